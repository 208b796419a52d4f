using System.Collections.Concurrent;
using System.Diagnostics;
using Privport.Client;

namespace Privport.Broker;

/// <summary>
/// Ports whose OPEN socket the broker has passed on, and when its own copy was closed. A TCP OPEN socket listens, so
/// until the last reference to it is gone (the broker's copy, closed just after the reply is sent, and the client's)
/// a new bind of the port fails with EADDRINUSE: a client that closes its socket and asks again at once would
/// otherwise be refused because of the broker's own leftover.
/// </summary>
internal sealed class HandedOverPorts
{
    // How long after the broker's copy is closed an EADDRINUSE may still be its leftover, and how long a request waits
    // in all for it: only a descheduled serving thread makes anyone wait.
    private static readonly TimeSpan Recent = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<(PortProtocol, ushort), int> _open = new();
    private readonly ConcurrentDictionary<(PortProtocol, ushort), long> _closedAt = new();

    public void Add(Endpoint endpoint) => _open.AddOrUpdate(Key(endpoint), 1, (_, count) => count + 1);

    public void Remove(Endpoint endpoint)
    {
        var key = Key(endpoint);
        _closedAt[key] = Stopwatch.GetTimestamp();
        while (_open.TryGetValue(key, out int count))
        {
            if (count <= 1 ? _open.TryRemove(new KeyValuePair<(PortProtocol, ushort), int>(key, count)) : _open.TryUpdate(key, count - 1, count))
            {
                return;
            }
        }
    }

    /// <summary>
    /// After a bind of <paramref name="endpoint"/> failed with EADDRINUSE: whether the broker's own copy of a socket
    /// it passed on may be the cause. If so, waits until that copy is closed (and a moment more) and says to try again,
    /// until <paramref name="started"/> is <see cref="Patience"/> old.
    /// </summary>
    public bool MayBeOwnLeftover(Endpoint endpoint, long started)
    {
        var key = Key(endpoint);
        bool held = _open.ContainsKey(key);
        if (!held && !(_closedAt.TryGetValue(key, out long closed) && Stopwatch.GetElapsedTime(closed) < Recent))
        {
            return false;
        }

        var spin = default(SpinWait);
        while (_open.ContainsKey(key) || !held)
        {
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                return false;
            }

            if (!held)
            {
                // Closed already, yet the port is still taken: give the last reference a moment to go.
                Thread.Sleep(1);
                return true;
            }

            spin.SpinOnce();
        }

        return true;
    }

    private static (PortProtocol, ushort) Key(Endpoint endpoint) => (endpoint.Protocol, endpoint.Port);
}
