using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// The calls an event loop makes on nonblocking descriptors. EAGAIN is the normal outcome there, not a failure, so
/// these return the negated errno instead of throwing; callers turn what they cannot handle into an error value.
/// </summary>
internal static class NonblockingIo
{
    /// <summary>splice(2) up to <paramref name="length"/> bytes; the count moved, 0 at end of stream, or -errno.</summary>
    public static unsafe nint Splice(SafeHandle from, SafeHandle to, int length)
    {
        while (true)
        {
            nint moved = splice(from, null, to, null, (nuint)length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (moved >= 0)
            {
                return moved;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC; the peer's sockaddr goes to <paramref name="peer"/>.</summary>
    /// <returns>The new descriptor, or -errno (-EAGAIN when no connection waits).</returns>
    public static unsafe int Accept(SafeHandle listener, Span<byte> peer, out int peerLength)
    {
        fixed (byte* address = peer)
        {
            while (true)
            {
                uint length = (uint)peer.Length;
                int fd = accept4(listener, address, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0)
                {
                    peerLength = (int)length;
                    return fd;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    peerLength = 0;
                    return -errno;
                }
            }
        }
    }

    /// <summary>A nonblocking TCP or UDP socket; throws, since failing to create one is not an event-loop outcome.</summary>
    public static SafeFdHandle CreateSocket(int family, int type)
    {
        int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        return fd >= 0 ? new SafeFdHandle(fd) : throw SystemCallException.FromLastError("socket");
    }

    /// <summary>connect(2); 0 when connected at once, -EINPROGRESS while a TCP handshake runs, or another -errno.</summary>
    public static unsafe int Connect(SafeHandle fd, ReadOnlySpan<byte> address)
    {
        fixed (byte* raw = address)
        {
            return connect(fd, raw, (uint)address.Length) == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>send(2) with MSG_NOSIGNAL; the count sent or -errno.</summary>
    public static unsafe nint Send(SafeHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* raw = data)
        {
            nint sent = send(fd, raw, (nuint)data.Length, MSG_NOSIGNAL | MSG_DONTWAIT);
            return sent >= 0 ? sent : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>recv(2) without waiting; the count read, 0 at end of stream, or -errno.</summary>
    public static unsafe nint Receive(SafeHandle fd, Span<byte> buffer)
    {
        fixed (byte* raw = buffer)
        {
            while (true)
            {
                nint received = recvfrom(fd, raw, (nuint)buffer.Length, MSG_DONTWAIT, null, null);
                if (received >= 0)
                {
                    return received;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>write(2) to a nonblocking descriptor (a pipe); the count written or -errno.</summary>
    public static unsafe nint Write(SafeHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* raw = data)
        {
            nint written = write(fd, raw, (nuint)data.Length);
            return written >= 0 ? written : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>recvfrom(2) without waiting; the datagram's length or -errno. The sender goes to <paramref name="from"/>.</summary>
    public static unsafe nint ReceiveFrom(SafeHandle fd, Span<byte> buffer, Span<byte> from, out int fromLength)
    {
        fixed (byte* raw = buffer)
        fixed (byte* address = from)
        {
            uint length = (uint)from.Length;
            nint received = recvfrom(fd, raw, (nuint)buffer.Length, MSG_DONTWAIT, address, &length);
            fromLength = (int)length;
            return received >= 0 ? received : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>sendto(2) without waiting; the count sent or -errno.</summary>
    public static unsafe nint SendTo(SafeHandle fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> to)
    {
        fixed (byte* raw = data)
        fixed (byte* address = to)
        {
            nint sent = sendto(fd, raw, (nuint)data.Length, MSG_DONTWAIT | MSG_NOSIGNAL, address, (uint)to.Length);
            return sent >= 0 ? sent : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>shutdown(2) SHUT_WR: the peer reads end of stream once what was sent arrives.</summary>
    public static int ShutdownWrite(SafeHandle fd) => shutdown(fd, SHUT_WR) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>SO_ERROR: the outcome of a nonblocking connect, read once it reports writable (0 or the errno).</summary>
    public static int PendingError(SafeHandle fd) => NativeSocket.GetInt(fd, SOL_SOCKET, SO_ERROR) ?? 0;

    /// <summary>SO_LINGER {1, 0}: the close that follows sends RST, so the peer sees a reset, not an orderly end.</summary>
    public static unsafe void ResetOnClose(SafeHandle fd)
    {
        var value = new linger { l_onoff = 1, l_linger = 0 };
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, (uint)sizeof(linger));
    }

    /// <summary>TCP_NODELAY: a forwarder must pass each write on at once, not wait to coalesce it (Nagle).</summary>
    public static unsafe void NoDelay(SafeHandle fd)
    {
        int one = 1;
        _ = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
    }

    /// <summary>Sets O_NONBLOCK on a descriptor made elsewhere (a listener the broker handed over).</summary>
    public static void SetNonblocking(SafeHandle fd)
    {
        int flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        {
            throw SystemCallException.FromLastError("fcntl O_NONBLOCK");
        }
    }

    public static void Listen(SafeHandle fd, int backlog)
    {
        if (listen(fd, backlog) != 0)
        {
            throw SystemCallException.FromLastError("listen");
        }
    }
}
