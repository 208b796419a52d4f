using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>
/// One UDP client's flow: a socket connected to the backend, so the backend's replies arrive on it alone and go back
/// to the client it stands for.
/// </summary>
internal sealed class UdpFlow(UdpFlowKey key, ListenerSlot listener, SafeFdHandle backend, byte[] clientAddress, ulong epollKey, long now)
{
    public UdpFlowKey Key { get; } = key;

    public ListenerSlot Listener { get; } = listener;

    public SafeFdHandle Backend { get; } = backend;

    /// <summary>The client's sockaddr, where replies are sent.</summary>
    public byte[] ClientAddress { get; } = clientAddress;

    public ulong EpollKey { get; } = epollKey;

    public long LastActive { get; set; } = now;
}
