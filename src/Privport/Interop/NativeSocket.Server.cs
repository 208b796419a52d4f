using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Privport.Client;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>The socket calls only the executable makes: creating, binding, accepting, peer credentials, timeouts.</summary>
internal static partial class NativeSocket
{
    public static SafeFdHandle CreateInet(PortProtocol protocol, AddressFamily family)
    {
        int domain = family == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        int type = (protocol == PortProtocol.Udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
        int fd = socket(domain, type, (int)protocol);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("socket");
        }

        return new SafeFdHandle(fd);
    }

    /// <summary>accept4(2) with SOCK_CLOEXEC, blocking; null once the listener is shut down (EINVAL).</summary>
    public static unsafe SafeFdHandle? Accept(SafeHandle listener)
    {
        while (true)
        {
            int fd = accept4(listener, null, null, SOCK_CLOEXEC);
            if (fd >= 0)
            {
                return new SafeFdHandle(fd);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINVAL || errno == EBADF)
            {
                return null;
            }

            // ECONNABORTED and kin: the peer gave up before we took it; EMFILE and ENFILE pass with time.
            if (errno != EINTR)
            {
                Thread.Sleep(errno == EMFILE || errno == ENFILE ? 50 : 0);
            }
        }
    }

    /// <summary>One accept4(2) with SOCK_CLOEXEC and <paramref name="flags"/>; null with the errno when it fails.</summary>
    public static unsafe SafeFdHandle? TryAccept(SafeHandle listener, int flags, out int errno)
    {
        int fd;
        do
        {
            fd = accept4(listener, null, null, SOCK_CLOEXEC | flags);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);

        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd >= 0 ? new SafeFdHandle(fd) : null;
    }

    /// <summary>SO_SNDTIMEO or SO_RCVTIMEO: how long a blocking send or receive on <paramref name="fd"/> may wait.</summary>
    public static unsafe void SetTimeout(SafeHandle fd, int name, TimeSpan timeout)
    {
        long microseconds = Math.Max(1, (long)(timeout.TotalMicroseconds));
        Span<long> timeval = [microseconds / 1_000_000, microseconds % 1_000_000];
        fixed (long* value = timeval)
        {
            if (setsockopt(fd, SOL_SOCKET, name, value, 2 * sizeof(long)) != 0)
            {
                throw SystemCallException.FromLastError(name == SO_SNDTIMEO ? "setsockopt SO_SNDTIMEO" : "setsockopt SO_RCVTIMEO");
            }
        }
    }

    /// <summary>Wakes every thread blocked in accept on <paramref name="listener"/>.</summary>
    public static void Shutdown(SafeHandle listener) => _ = shutdown(listener, SHUT_RDWR);

    /// <summary>SO_PEERCRED: who connected, as the kernel recorded it at connect(2).</summary>
    public static unsafe ucred PeerCredentials(SafeHandle fd)
    {
        ucred credentials = default;
        uint length = (uint)sizeof(ucred);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        {
            throw SystemCallException.FromLastError("getsockopt SO_PEERCRED");
        }

        return credentials;
    }

    /// <summary>
    /// SO_PEERGROUPS: the peer's supplementary groups as the kernel recorded them at connect(2), with SO_PEERCRED's
    /// uid and gid. The list can hold up to NGROUPS_MAX (65536) gids; a buffer too small fails with ERANGE and the
    /// length it needs, so the second call fits (the recorded credentials never change).
    /// </summary>
    public static unsafe uint[] PeerGroups(SafeHandle fd)
    {
        const int Typical = 64;
        uint* initial = stackalloc uint[Typical];
        uint length = Typical * sizeof(uint);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, initial, &length) == 0)
        {
            return new ReadOnlySpan<uint>(initial, (int)(length / sizeof(uint))).ToArray();
        }

        if (Marshal.GetLastPInvokeError() != ERANGE)
        {
            throw SystemCallException.FromLastError("getsockopt SO_PEERGROUPS");
        }

        var groups = new uint[length / sizeof(uint)];
        fixed (uint* buffer = groups)
        {
            if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buffer, &length) != 0)
            {
                throw SystemCallException.FromLastError("getsockopt SO_PEERGROUPS");
            }
        }

        return length == (uint)groups.Length * sizeof(uint) ? groups : groups.AsSpan(0, (int)(length / sizeof(uint))).ToArray();
    }

    public static unsafe void SetInt(SafeHandle fd, int level, int name, int value)
    {
        if (setsockopt(fd, level, name, &value, sizeof(int)) != 0)
        {
            throw SystemCallException.FromLastError("setsockopt");
        }
    }

    /// <summary>bind(2); returns 0 or the errno, since the caller reports a bind failure to its client rather than failing.</summary>
    public static unsafe int Bind(SafeHandle fd, IPAddress address, ushort port)
    {
        var socketAddress = new IPEndPoint(address, port).Serialize();
        fixed (byte* raw = socketAddress.Buffer.Span)
        {
            return bind(fd, raw, (uint)socketAddress.Size) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }
}
