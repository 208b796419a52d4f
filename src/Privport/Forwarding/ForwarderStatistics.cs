namespace Privport.Forwarding;

/// <summary>
/// One listener's counters (each <see cref="ListenerSlot"/> has its own, so metrics can be labelled by listener),
/// updated by every event loop, read by anyone. Each counter is one <c>long</c> written with
/// <see cref="Interlocked"/> and read with <see cref="Volatile"/>; <see cref="Sum"/> adds listeners up.
/// </summary>
internal sealed class ForwarderStatistics
{
    private long _accepted;
    private long _active;
    private long _refused;
    private long _bytesClientToBackend;
    private long _bytesBackendToClient;
    private long _clientErrors;
    private long _backendErrors;
    private long _backendUnreachable;
    private long _idleTimeouts;
    private long _udpFlows;
    private long _udpDatagramsClientToBackend;
    private long _udpDatagramsBackendToClient;

    /// <summary>TCP connections accepted and forwarded (not counting refused ones).</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>TCP connections and UDP flows open now.</summary>
    public long Active => Volatile.Read(ref _active);

    /// <summary>Connections and flows turned away at the connection limit.</summary>
    public long Refused => Volatile.Read(ref _refused);

    public long BytesClientToBackend => Volatile.Read(ref _bytesClientToBackend);

    public long BytesBackendToClient => Volatile.Read(ref _bytesBackendToClient);

    /// <summary>Connections ended by a client-side failure (reset, write error).</summary>
    public long ClientErrors => Volatile.Read(ref _clientErrors);

    /// <summary>Connections ended by a backend-side failure after it was reached (reset, write error).</summary>
    public long BackendErrors => Volatile.Read(ref _backendErrors);

    /// <summary>Backend connects that failed (refused, unreachable, timed out).</summary>
    public long BackendUnreachable => Volatile.Read(ref _backendUnreachable);

    public long IdleTimeouts => Volatile.Read(ref _idleTimeouts);

    /// <summary>UDP flows created since start.</summary>
    public long UdpFlows => Volatile.Read(ref _udpFlows);

    public long UdpDatagramsClientToBackend => Volatile.Read(ref _udpDatagramsClientToBackend);

    public long UdpDatagramsBackendToClient => Volatile.Read(ref _udpDatagramsBackendToClient);

    /// <summary>The counters of <paramref name="listeners"/> added up, as of now.</summary>
    public static ForwarderStatistics Sum(IEnumerable<ForwarderStatistics> listeners)
    {
        var total = new ForwarderStatistics();
        foreach (var one in listeners)
        {
            total._accepted += one.Accepted;
            total._active += one.Active;
            total._refused += one.Refused;
            total._bytesClientToBackend += one.BytesClientToBackend;
            total._bytesBackendToClient += one.BytesBackendToClient;
            total._clientErrors += one.ClientErrors;
            total._backendErrors += one.BackendErrors;
            total._backendUnreachable += one.BackendUnreachable;
            total._idleTimeouts += one.IdleTimeouts;
            total._udpFlows += one.UdpFlows;
            total._udpDatagramsClientToBackend += one.UdpDatagramsClientToBackend;
            total._udpDatagramsBackendToClient += one.UdpDatagramsBackendToClient;
        }

        return total;
    }

    public void Opened() => Interlocked.Increment(ref _active);

    public void Closed() => Interlocked.Decrement(ref _active);

    public void CountRefused() => Interlocked.Increment(ref _refused);

    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    public void AddClientToBackend(long bytes) => Interlocked.Add(ref _bytesClientToBackend, bytes);

    public void AddBackendToClient(long bytes) => Interlocked.Add(ref _bytesBackendToClient, bytes);

    public void CountClientError() => Interlocked.Increment(ref _clientErrors);

    public void CountBackendError() => Interlocked.Increment(ref _backendErrors);

    public void CountBackendUnreachable() => Interlocked.Increment(ref _backendUnreachable);

    public void CountIdleTimeout() => Interlocked.Increment(ref _idleTimeouts);

    public void CountUdpFlow() => Interlocked.Increment(ref _udpFlows);

    public void CountUdpDatagramClientToBackend(long bytes)
    {
        Interlocked.Increment(ref _udpDatagramsClientToBackend);
        Interlocked.Add(ref _bytesClientToBackend, bytes);
    }

    public void CountUdpDatagramBackendToClient(long bytes)
    {
        Interlocked.Increment(ref _udpDatagramsBackendToClient);
        Interlocked.Add(ref _bytesBackendToClient, bytes);
    }
}
