using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;

namespace Privport.Broker;

/// <summary>
/// Connections with nothing to read yet: one thread waits on all of them with epoll (accepting threads also take
/// what is ready), serves what arrives, finishes those whose clients hung up, and disconnects those silent past the
/// timeout. A waiting client costs the broker
/// an epoll entry, not a thread.
/// </summary>
internal sealed class WaitingConnections : IDisposable
{
    private const int TickMilliseconds = 100;

    // Below this many waiting, the waiting thread keeps up alone and accepting threads need not look.
    private const int HelpThreshold = 16;

    private readonly Epoll _epoll = new();
    private readonly ConcurrentDictionary<ulong, Waiting> _waiting = new();
    private readonly TimeSpan _timeout;
    private readonly Action<BrokerConnection> _finish;
    private readonly ILogger _logger;
    private ulong _nextKey;
    private int _count;

    public WaitingConnections(TimeSpan timeout, Action<BrokerConnection> finish, ILogger logger)
    {
        _timeout = timeout;
        _finish = finish;
        _logger = logger;
    }

    public void Add(BrokerConnection connection)
    {
        ulong key = Interlocked.Increment(ref _nextKey);
        Park(key, new Waiting(connection, Deadline()));
        try
        {
            _epoll.WatchOnce(connection.Handle, key);
        }
        catch (SystemCallException)
        {
            Claim(key, out _);
            throw;
        }
    }

    /// <summary>How many of <paramref name="uid"/>'s waiting connections belong to clients that already hung up.</summary>
    public int CountHungUp(uint uid)
    {
        int hungUp = 0;
        foreach (var waiting in _waiting.Values)
        {
            if (waiting.Connection.Credentials.uid == uid && waiting.Connection.PeerHungUp())
            {
                hungUp++;
            }
        }

        return hungUp;
    }

    /// <summary>True when so many connections wait that the waiting thread may be falling behind.</summary>
    public bool NeedsHelp => Volatile.Read(ref _count) >= HelpThreshold;

    /// <summary>
    /// Serves the connections that are ready now, without waiting. Accepting threads call this before each accept,
    /// so hung-up connections are reaped as fast as new ones arrive even when the machine is busy.
    /// </summary>
    public void ServeReady()
    {
        Span<ulong> ready = stackalloc ulong[16];
        int count = _epoll.Wait(ready, 0);
        for (int i = 0; i < count; i++)
        {
            Serve(ready[i]);
        }
    }

    /// <summary>Runs until <paramref name="stopping"/> is set, then finishes every connection still waiting.</summary>
    public void Run(Func<bool> stopping)
    {
        Span<ulong> ready = stackalloc ulong[64];
        long nextSweep = Environment.TickCount64 + TickMilliseconds;
        while (!stopping())
        {
            int count = _epoll.Wait(ready, TickMilliseconds);
            for (int i = 0; i < count; i++)
            {
                Serve(ready[i]);
            }

            if (Environment.TickCount64 >= nextSweep)
            {
                DisconnectSilent();
                nextSweep = Environment.TickCount64 + TickMilliseconds;
            }
        }

        foreach (var key in _waiting.Keys)
        {
            if (Claim(key, out var waiting))
            {
                _finish(waiting.Connection);
            }
        }
    }

    public void Dispose() => _epoll.Dispose();

    // Several threads serve ready connections; whoever removes a connection from the set owns it until it is put back
    // (EPOLLONESHOT reports each readiness to one thread only, and the silence sweep also claims by removing).
    private void Serve(ulong key)
    {
        if (!Claim(key, out var waiting))
        {
            return;
        }

        bool open;
        try
        {
            open = waiting.Connection.ServeQueued();
        }
        catch (Exception e) when (e is SystemCallException or IOException)
        {
            BrokerLog.ConnectionFailed(_logger, waiting.Connection.Credentials.pid, waiting.Connection.Credentials.uid, e.Message);
            open = false;
        }

        if (!open)
        {
            _finish(waiting.Connection);
            return;
        }

        Park(key, waiting with { Deadline = Deadline() });
        try
        {
            _epoll.Rearm(waiting.Connection.Handle, key);
        }
        catch (SystemCallException e)
        {
            if (Claim(key, out _))
            {
                BrokerLog.ConnectionFailed(_logger, waiting.Connection.Credentials.pid, waiting.Connection.Credentials.uid, e.Message);
                _finish(waiting.Connection);
            }
        }
    }

    private void DisconnectSilent()
    {
        long now = Environment.TickCount64;
        foreach (var (key, waiting) in _waiting)
        {
            if (waiting.Deadline <= now && Claim(key, out _))
            {
                var credentials = waiting.Connection.Credentials;
                BrokerLog.ClientTimedOut(_logger, credentials.pid, credentials.uid, _timeout.TotalSeconds);
                _finish(waiting.Connection);
            }
        }
    }

    private void Park(ulong key, Waiting waiting)
    {
        _waiting[key] = waiting;
        Interlocked.Increment(ref _count);
    }

    private bool Claim(ulong key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Waiting? waiting)
    {
        if (_waiting.TryRemove(key, out waiting))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    private long Deadline() => Environment.TickCount64 + (long)_timeout.TotalMilliseconds;

    private sealed record Waiting(BrokerConnection Connection, long Deadline);
}
