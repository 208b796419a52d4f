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
    // How long after the broker's copy is closed an EADDRINUSE may still be its leftover, how long a request waits for
    // a copy still held (only a descheduled serving thread holds one longer than microseconds), and how many times one
    // request tries again: small, so a client cannot make the broker's threads wait on its behalf.
    private static readonly TimeSpan Recent = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(20);
    private const int MaxRetries = 2;

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
    /// it passed on may be the cause. If so, waits until that copy is closed and says to try again, at most
    /// <see cref="MaxRetries"/> times per request (<paramref name="retries"/> counts them).
    /// </summary>
    public bool MayBeOwnLeftover(Endpoint endpoint, ref int retries)
    {
        var key = Key(endpoint);
        if (retries++ >= MaxRetries)
        {
            return false;
        }

        if (!_open.ContainsKey(key))
        {
            // Closed already, yet the port is still taken: the last reference may be going in this very instant.
            bool recent = _closedAt.TryGetValue(key, out long closed) && Stopwatch.GetElapsedTime(closed) < Recent;
            if (recent)
            {
                Thread.Yield();
            }

            return recent;
        }

        long started = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (_open.ContainsKey(key))
        {
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                return false;
            }

            spin.SpinOnce();
        }

        return true;
    }

    private static (PortProtocol, ushort) Key(Endpoint endpoint) => (endpoint.Protocol, endpoint.Port);
}
