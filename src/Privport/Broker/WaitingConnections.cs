using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;

namespace Privport.Broker;

/// <summary>
/// Connections with nothing to read yet: one thread waits on all of them with epoll, serves what arrives, finishes
/// those whose clients hung up, and disconnects those silent past the timeout. A waiting client costs the broker
/// an epoll entry, not a thread.
/// </summary>
internal sealed class WaitingConnections : IDisposable
{
    private const int TickMilliseconds = 100;

    private readonly Epoll _epoll = new();
    private readonly ConcurrentDictionary<ulong, Waiting> _waiting = new();
    private readonly TimeSpan _timeout;
    private readonly Action<BrokerConnection> _finish;
    private readonly ILogger _logger;
    private ulong _nextKey;

    public WaitingConnections(TimeSpan timeout, Action<BrokerConnection> finish, ILogger logger)
    {
        _timeout = timeout;
        _finish = finish;
        _logger = logger;
    }

    public void Add(BrokerConnection connection)
    {
        ulong key = Interlocked.Increment(ref _nextKey);
        _waiting[key] = new Waiting(connection, Deadline());
        try
        {
            _epoll.WatchOnce(connection.Handle, key);
        }
        catch (SystemCallException)
        {
            _waiting.TryRemove(key, out _);
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
                if (_waiting.TryGetValue(ready[i], out var waiting))
                {
                    Serve(ready[i], waiting);
                }
            }

            if (Environment.TickCount64 >= nextSweep)
            {
                DisconnectSilent();
                nextSweep = Environment.TickCount64 + TickMilliseconds;
            }
        }

        foreach (var key in _waiting.Keys)
        {
            if (_waiting.TryRemove(key, out var waiting))
            {
                _finish(waiting.Connection);
            }
        }
    }

    public void Dispose() => _epoll.Dispose();

    private void Serve(ulong key, Waiting waiting)
    {
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
            _waiting.TryRemove(key, out _);
            _finish(waiting.Connection);
            return;
        }

        _waiting[key] = waiting with { Deadline = Deadline() };
        _epoll.Rearm(waiting.Connection.Handle, key);
    }

    private void DisconnectSilent()
    {
        long now = Environment.TickCount64;
        foreach (var (key, waiting) in _waiting)
        {
            if (waiting.Deadline <= now && _waiting.TryRemove(key, out _))
            {
                var credentials = waiting.Connection.Credentials;
                BrokerLog.ClientTimedOut(_logger, credentials.pid, credentials.uid, _timeout.TotalSeconds);
                _finish(waiting.Connection);
            }
        }
    }

    private long Deadline() => Environment.TickCount64 + (long)_timeout.TotalMilliseconds;

    private sealed record Waiting(BrokerConnection Connection, long Deadline);
}
