using System.Net;
using System.Net.Sockets;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Client;

/// <summary>A socket this process inherited by systemd's socket activation protocol (<c>LISTEN_FDS</c>).</summary>
public sealed class ListenFd
{
    internal ListenFd(int descriptor, string name)
    {
        Descriptor = descriptor;
        Name = name;

        // Not owned: the descriptor stays open for whoever adopts it.
        using var handle = new SafeFdHandle(descriptor, ownsHandle: false);
        LocalEndPoint = NativeSocket.LocalEndPoint(handle);
        AddressFamily = (NativeSocket.GetInt(handle, SOL_SOCKET, SO_DOMAIN, tolerated: ENOTSOCK) ?? -1) switch
        {
            AF_UNIX => AddressFamily.Unix,
            AF_INET => AddressFamily.InterNetwork,
            AF_INET6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        SocketType = (NativeSocket.GetInt(handle, SOL_SOCKET, SO_TYPE, tolerated: ENOTSOCK) ?? 0) switch
        {
            SOCK_STREAM => SocketType.Stream,
            SOCK_DGRAM => SocketType.Dgram,
            SOCK_SEQPACKET => SocketType.Seqpacket,
            _ => SocketType.Unknown,
        };
        IsListening = NativeSocket.GetInt(handle, SOL_SOCKET, SO_ACCEPTCONN, tolerated: ENOTSOCK) == 1;
    }

    /// <summary>The descriptor number: 3 for the first socket, then 4, 5, ….</summary>
    public int Descriptor { get; }

    /// <summary>The socket's name from <c>LISTEN_FDNAMES</c>, or <c>unknown</c> when none was given.</summary>
    public string Name { get; }

    /// <summary>The address and port the socket is bound to; null when it is not an IP socket.</summary>
    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>The socket's address family; <see cref="AddressFamily.Unknown"/> when the descriptor is not a socket.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>Stream (TCP), datagram (UDP), or <see cref="SocketType.Unknown"/> when the descriptor is not a socket.</summary>
    public SocketType SocketType { get; }

    /// <summary>Whether listen(2) was already called on it.</summary>
    public bool IsListening { get; }

    /// <summary>
    /// Takes the descriptor over as a <see cref="Socket"/> that closes it when disposed, and marks it close-on-exec so
    /// it does not leak into programs this process starts (the protocol passes it without).
    /// </summary>
    public Socket Adopt()
    {
        SetCloseOnExec();
        using var fd = new SafeFdHandle(Descriptor);
        return fd.ToSocket();
    }

    /// <summary>Marks the descriptor close-on-exec: the protocol passes it without, for its receiver to decide.</summary>
    internal void SetCloseOnExec()
    {
        if (Interop.Interop.Libc.fcntl_fd(Descriptor, F_SETFD, FD_CLOEXEC) < 0)
        {
            throw SystemCallException.FromLastError($"fcntl F_SETFD on inherited descriptor {Descriptor}");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"fd {Descriptor} '{Name}' {SocketType} {LocalEndPoint}";
}
