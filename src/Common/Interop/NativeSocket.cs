using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>The socket calls privport makes on raw descriptors, errno turned into <see cref="SystemCallException"/>.</summary>
internal static partial class NativeSocket
{
    /// <summary>getsockopt for an int-sized option; null when the call fails with <paramref name="tolerated"/>.</summary>
    public static unsafe int? GetInt(SafeHandle fd, int level, int name, int tolerated = 0)
    {
        int value = 0;
        uint length = sizeof(int);
        if (getsockopt(fd, level, name, &value, &length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == tolerated)
            {
                return null;
            }

            throw new SystemCallException("getsockopt", errno);
        }

        return value;
    }

    /// <summary>
    /// getsockname(2): the socket's address family and, for inet sockets, its port (0 when unbound); null when the
    /// descriptor is not a socket. One call answers both what kind of socket it is and whether it is bound.
    /// </summary>
    public static unsafe (int Family, ushort Port)? LocalName(SafeHandle fd)
    {
        byte* raw = stackalloc byte[128];
        uint length = 128;
        if (getsockname(fd, raw, &length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENOTSOCK ? null : throw new SystemCallException("getsockname", errno);
        }

        int family = length >= 2 ? *(ushort*)raw : 0;
        bool inet = family is AF_INET or AF_INET6;

        // sin_port and sin6_port sit at offset 2 in network order for both families.
        return (family, inet && length >= 4 ? (ushort)((raw[2] << 8) | raw[3]) : (ushort)0);
    }

    /// <summary>getsockname(2) as an <see cref="IPEndPoint"/>; null when the descriptor is not an IP socket or the call fails.</summary>
    public static unsafe IPEndPoint? LocalEndPoint(SafeHandle fd)
    {
        byte* raw = stackalloc byte[SocketAddressBytes.MaxLength];
        uint length = SocketAddressBytes.MaxLength;
        return getsockname(fd, raw, &length) == 0 ? SocketAddressBytes.ToEndPoint(new ReadOnlySpan<byte>(raw, (int)length)) : null;
    }

    /// <summary>The local port of a socket; 0 when it is not bound.</summary>
    public static ushort LocalPort(SafeHandle fd) =>
        LocalName(fd) is { } name ? name.Port : throw new SystemCallException("getsockname", ENOTSOCK);
}
