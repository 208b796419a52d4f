using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>One datagram received with <see cref="UnixMessage.Receive"/>: its length, truncation and any fds that came with it.</summary>
internal readonly record struct ReceivedMessage(int Length, bool Truncated, bool ControlTruncated, SafeFdHandle[] Fds);

/// <summary>sendmsg/recvmsg with SCM_RIGHTS on AF_UNIX sockets: the only place fds cross a socket.</summary>
internal static class UnixMessage
{
    // Room for more fds than any request may carry, so extras arrive (and are closed) rather than vanish unseen.
    public const int MaxReceivedFds = 8;

    /// <summary>Sends one datagram, with <paramref name="fd"/> in SCM_RIGHTS when given. <paramref name="flags"/> are
    /// added to MSG_NOSIGNAL: with MSG_DONTWAIT a send that finds no room fails with EAGAIN rather than wait.</summary>
    public static unsafe void Send(SafeHandle socket, ReadOnlySpan<byte> payload, SafeHandle? fd, int flags = 0)
    {
        int space = CMSG_SPACE(sizeof(int));
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        bool added = false;
        try
        {
            int rawFd = -1;
            if (fd is not null)
            {
                fd.DangerousAddRef(ref added);
                rawFd = (int)fd.DangerousGetHandle();
            }

            fixed (byte* data = payload)
            {
                var iov = new iovec { iov_base = data, iov_len = (nuint)payload.Length };
                var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1 };
                if (rawFd >= 0)
                {
                    var header = (cmsghdr*)control;
                    header->cmsg_len = (nuint)CMSG_LEN(sizeof(int));
                    header->cmsg_level = SOL_SOCKET;
                    header->cmsg_type = SCM_RIGHTS;
                    *(int*)(control + CMSG_ALIGN(sizeof(cmsghdr))) = rawFd;
                    msg.msg_control = control;
                    msg.msg_controllen = (nuint)space;
                }

                nint sent;
                do
                {
                    sent = sendmsg(socket, &msg, flags | MSG_NOSIGNAL);
                }
                while (sent < 0 && Marshal.GetLastPInvokeError() == EINTR);

                if (sent < 0)
                {
                    throw SystemCallException.FromLastError("sendmsg");
                }
            }
        }
        finally
        {
            if (added)
            {
                fd!.DangerousRelease();
            }
        }
    }

    /// <summary>Receives one datagram; every fd in it is returned owned and CLOEXEC, whatever else is wrong with it.</summary>
    public static ReceivedMessage Receive(SafeHandle socket, Span<byte> buffer, int flags = 0) =>
        TryReceive(socket, buffer, flags) ?? throw new SystemCallException("recvmsg", EAGAIN);

    /// <summary>As <see cref="Receive"/>, but null when nothing is queued on a non-blocking call (EAGAIN).</summary>
    public static unsafe ReceivedMessage? TryReceive(SafeHandle socket, Span<byte> buffer, int flags = 0)
    {
        int space = CMSG_SPACE(sizeof(int) * MaxReceivedFds);
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        fixed (byte* data = buffer)
        {
            var iov = new iovec { iov_base = data, iov_len = (nuint)buffer.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)space };
            nint received;
            do
            {
                received = recvmsg(socket, &msg, flags | MSG_CMSG_CLOEXEC);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == EINTR);

            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == EAGAIN ? null : throw new SystemCallException("recvmsg", errno);
            }

            return new ReceivedMessage(
                (int)received,
                (msg.msg_flags & MSG_TRUNC) != 0,
                (msg.msg_flags & MSG_CTRUNC) != 0,
                CollectFds(&msg));
        }
    }

    /// <summary>True when the peer has hung up: a peek without waiting finds the end of the stream.</summary>
    public static unsafe bool PeerHungUp(SafeHandle socket)
    {
        // No control buffer: a peek must not install descriptors that may be queued with the next request.
        byte probe;
        var iov = new iovec { iov_base = &probe, iov_len = 1 };
        var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1 };
        nint received = recvmsg(socket, &msg, MSG_PEEK | MSG_DONTWAIT);

        // End of stream, or an error the connection cannot recover from (ECONNRESET when the peer closed with replies
        // unread): either way nobody is there any more. Only "nothing yet" means a live peer.
        return received == 0 || (received < 0 && Marshal.GetLastPInvokeError() is not (EAGAIN or EINTR));
    }

    private static unsafe SafeFdHandle[] CollectFds(msghdr* msg)
    {
        var fds = new List<SafeFdHandle>();
        byte* end = (byte*)msg->msg_control + msg->msg_controllen;
        byte* cursor = (byte*)msg->msg_control;
        while (msg->msg_controllen >= (nuint)sizeof(cmsghdr) && cursor + sizeof(cmsghdr) <= end)
        {
            var header = (cmsghdr*)cursor;
            if (header->cmsg_len < (nuint)sizeof(cmsghdr) || cursor + (int)header->cmsg_len > end)
            {
                break;
            }

            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS)
            {
                int count = ((int)header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int* data = (int*)(cursor + CMSG_ALIGN(sizeof(cmsghdr)));
                for (int i = 0; i < count; i++)
                {
                    fds.Add(new SafeFdHandle(data[i]));
                }
            }

            cursor += CMSG_ALIGN((int)header->cmsg_len);
        }

        return fds.ToArray();
    }
}
