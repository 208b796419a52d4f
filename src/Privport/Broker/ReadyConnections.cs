namespace Privport.Broker;

/// <summary>
/// Connections with requests queued, waiting for a serving thread, handed out in turn by uid: each uid with ready
/// connections gets one turn before any uid gets a second, and a uid's own connections take turns in arrival order.
/// So one user's many busy connections delay root, or another user, by one turn, not by all of their connections.
/// </summary>
internal sealed class ReadyConnections : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Queue<ReadyConnection>> _byUid = [];
    private readonly Queue<uint> _turns = new();
    private readonly SemaphoreSlim _available = new(0);
    private bool _stopped;

    /// <summary>Queues a connection for its turn; false once stopped (the caller then finishes it).</summary>
    public bool Add(ulong key, BrokerConnection connection)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }

            uint uid = connection.Credentials.uid;
            if (!_byUid.TryGetValue(uid, out var queue))
            {
                queue = new Queue<ReadyConnection>();
                _byUid[uid] = queue;
                _turns.Enqueue(uid);
            }

            queue.Enqueue(new ReadyConnection(key, connection));
        }

        _available.Release();
        return true;
    }

    /// <summary>The next connection in turn, waiting for one; null once stopped.</summary>
    public ReadyConnection? Take()
    {
        _available.Wait();
        lock (_gate)
        {
            if (_stopped || !_turns.TryDequeue(out uint uid))
            {
                return null;
            }

            var queue = _byUid[uid];
            var next = queue.Dequeue();
            if (queue.Count > 0)
            {
                _turns.Enqueue(uid);
            }
            else
            {
                _byUid.Remove(uid);
            }

            return next;
        }
    }

    /// <summary>How many of <paramref name="uid"/>'s queued connections belong to clients that already hung up.</summary>
    public int CountHungUp(uint uid)
    {
        int hungUp = 0;
        lock (_gate)
        {
            if (_byUid.TryGetValue(uid, out var queue))
            {
                foreach (var ready in queue)
                {
                    hungUp += ready.Connection.PeerHungUp() ? 1 : 0;
                }
            }
        }

        return hungUp;
    }

    /// <summary>Wakes every thread waiting in <see cref="Take"/> and returns what was still queued, for closing.</summary>
    public List<BrokerConnection> Stop(int waiters)
    {
        var left = new List<BrokerConnection>();
        lock (_gate)
        {
            _stopped = true;
            foreach (var queue in _byUid.Values)
            {
                foreach (var ready in queue)
                {
                    left.Add(ready.Connection);
                }
            }

            _byUid.Clear();
            _turns.Clear();
        }

        _available.Release(waiters);
        return left;
    }

    public void Dispose() => _available.Dispose();
}
