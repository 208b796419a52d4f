using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Connections between turns: one thread waits on all of them with epoll (EPOLLONESHOT), hands each one that becomes
/// readable (a request, or a hang-up) to <see cref="ReadyConnections"/>, and disconnects those silent past the
/// timeout. A waiting client costs the broker an epoll entry, not a thread.
/// </summary>
internal sealed class WaitingConnections : IDisposable
{
    private const int TickMilliseconds = 100;

    private readonly Epoll _epoll = new();
    private readonly ConcurrentDictionary<ulong, Waiting> _waiting = new();
    private readonly TimeSpan _timeout;
    private readonly ReadyConnections _ready;
    private readonly Action<BrokerConnection> _finish;
    private readonly ILogger _logger;
    private ulong _nextKey;

    public WaitingConnections(TimeSpan timeout, ReadyConnections ready, Action<BrokerConnection> finish, ILogger logger)
    {
        _timeout = timeout;
        _ready = ready;
        _finish = finish;
        _logger = logger;
    }

    /// <summary>Starts watching a new connection; on failure it is finished here.</summary>
    public void Add(BrokerConnection connection)
    {
        ulong key = Interlocked.Increment(ref _nextKey);
        _waiting[key] = new Waiting(connection, Deadline());
        try
        {
            _epoll.WatchOnce(connection.Handle, key);
        }
        catch (SystemCallException e)
        {
            Drop(key, connection, e);
        }
    }

    /// <summary>Watches a connection again after its turn. Level-triggered: if requests are still queued (its budget
    /// ran out), epoll reports it at once and it goes to the back of its uid's line.</summary>
    public void Return(ReadyConnection ready)
    {
        _waiting[ready.Key] = new Waiting(ready.Connection, Deadline());
        try
        {
            _epoll.Rearm(ready.Connection.Handle, ready.Key);
        }
        catch (SystemCallException e)
        {
            Drop(ready.Key, ready.Connection, e);
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
        // Large enough to see every connection of a uid at its cap in one call, so turns are fair across uids.
        Span<ulong> ready = stackalloc ulong[256];
        Span<int> events = stackalloc int[256];
        long nextSweep = Environment.TickCount64 + TickMilliseconds;
        while (!stopping())
        {
            int count = _epoll.Wait(ready, events, TickMilliseconds);
            for (int i = 0; i < count; i++)
            {
                if (!_waiting.TryRemove(ready[i], out var waiting))
                {
                    continue;
                }

                // Most connections end this way: a one-shot client read its reply and closed. Reaping it here costs
                // one peek, and spares it a turn on a serving thread.
                bool hungUp = (events[i] & (EPOLLRDHUP | EPOLLHUP)) != 0 && waiting.Connection.PeerHungUp();
                if (hungUp || !_ready.Add(ready[i], waiting.Connection))
                {
                    _finish(waiting.Connection);
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

    private void Drop(ulong key, BrokerConnection connection, SystemCallException e)
    {
        if (_waiting.TryRemove(key, out _))
        {
            BrokerLog.ConnectionFailed(_logger, connection.Credentials.pid, connection.Credentials.uid, e.Message);
            _finish(connection);
        }
    }

    // Whoever removes a connection from the set owns it: the sweep and the ready hand-off never both take it.
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
