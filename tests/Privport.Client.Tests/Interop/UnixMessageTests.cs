using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Client.Tests.Interop;

public sealed class UnixMessageTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly SafeFdHandle sender;
    private readonly SafeFdHandle receiver;

    public UnixMessageTests() => (sender, receiver) = Descriptors.SeqpacketPair();

    public void Dispose()
    {
        sender.Dispose();
        receiver.Dispose();
        temp.Dispose();
    }

    [Fact]
    public void Send_with_an_fd_delivers_the_payload_and_a_working_fd()
    {
        using var file = OpenFile("shared");

        UnixMessage.Send(sender, "hello"u8, file);
        var buffer = new byte[64];
        var message = UnixMessage.Receive(receiver, buffer);

        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, message.Length));
        Assert.False(message.Truncated);
        Assert.False(message.ControlTruncated);
        var received = Assert.Single(message.Fds);
        using (received)
        {
            Assert.NotEqual(file.DangerousGetHandle(), received.DangerousGetHandle());
            using var writable = new SafeFileHandle(received.DangerousGetHandle(), ownsHandle: false); // received still owns it
            RandomAccess.Write(writable, "through the passed fd"u8, fileOffset: 0);
        }

        var readBack = new byte[64];
        int read = RandomAccess.Read(file, readBack, fileOffset: 0);
        Assert.Equal("through the passed fd", Encoding.ASCII.GetString(readBack, 0, read));
    }

    [Fact]
    public void A_socket_passed_in_a_message_still_carries_data()
    {
        var (near, far) = Descriptors.SeqpacketPair();
        using (near)
        using (far)
        {
            UnixMessage.Send(sender, "take this"u8, far);
            var message = UnixMessage.Receive(receiver, new byte[64]);
            using var passed = Assert.Single(message.Fds);

            UnixMessage.Send(passed, "via the passed socket"u8, fd: null);
            var buffer = new byte[64];
            var reply = UnixMessage.Receive(near, buffer);

            Assert.Equal("via the passed socket", Encoding.ASCII.GetString(buffer, 0, reply.Length));
        }
    }

    [Fact]
    public void Received_fds_are_close_on_exec()
    {
        using var file = OpenFile("cloexec");
        using var inheritable = Duplicate(file, closeOnExec: false);
        Assert.False(Descriptors.IsCloseOnExec(inheritable));

        UnixMessage.Send(sender, "x"u8, inheritable);
        var message = UnixMessage.Receive(receiver, new byte[8]);

        using var received = Assert.Single(message.Fds);
        Assert.True(Descriptors.IsCloseOnExec(received));
    }

    [Fact]
    public void A_message_without_an_fd_returns_an_empty_array()
    {
        UnixMessage.Send(sender, "no fd"u8, fd: null);
        var message = UnixMessage.Receive(receiver, new byte[64]);

        Assert.Equal(5, message.Length);
        Assert.Empty(message.Fds);
        Assert.False(message.ControlTruncated);
    }

    [Fact]
    public void A_datagram_larger_than_the_buffer_is_reported_truncated_and_its_fd_still_returned()
    {
        using var file = OpenFile("truncated");
        var payload = new byte[300];
        payload.AsSpan().Fill(7);

        UnixMessage.Send(sender, payload, file);
        var buffer = new byte[256];
        var message = UnixMessage.Receive(receiver, buffer);

        Assert.True(message.Truncated);
        Assert.Equal(buffer.Length, message.Length);
        using var received = Assert.Single(message.Fds);
        Assert.Equal(Descriptors.Target(file), Descriptors.Target(received));
    }

    [Fact]
    public void A_datagram_that_fits_exactly_is_not_truncated()
    {
        UnixMessage.Send(sender, new byte[256], fd: null);
        var message = UnixMessage.Receive(receiver, new byte[256]);

        Assert.False(message.Truncated);
        Assert.Equal(256, message.Length);
    }

    [Fact]
    public void Several_fds_in_one_message_all_arrive_in_order_each_owned_by_the_caller()
    {
        using var a = OpenFile("a");
        using var b = OpenFile("b");
        using var c = OpenFile("c");

        SendRaw(sender, "three"u8, a, b, c);
        var message = UnixMessage.Receive(receiver, new byte[64]);

        Assert.Equal(3, message.Fds.Length);
        Assert.Equal([temp.File("a"), temp.File("b"), temp.File("c")], message.Fds.Select(Descriptors.Target));
        Assert.All(message.Fds, fd => Assert.True(Descriptors.IsCloseOnExec(fd)));
        foreach (var fd in message.Fds)
        {
            fd.Dispose();
            Assert.True(fd.IsClosed);
        }
    }

    [Fact]
    public void Fds_beyond_the_receive_limit_are_reported_as_control_truncation_and_those_that_fit_returned()
    {
        var files = Enumerable.Range(0, UnixMessage.MaxReceivedFds + 2).Select(i => OpenFile($"f{i}")).ToArray();
        try
        {
            SendRaw(sender, "too many"u8, files);
            var message = UnixMessage.Receive(receiver, new byte[64]);

            Assert.True(message.ControlTruncated);
            Assert.Equal(UnixMessage.MaxReceivedFds, message.Fds.Length);
            Assert.Equal(files.Take(UnixMessage.MaxReceivedFds).Select(Descriptors.Target), message.Fds.Select(Descriptors.Target));
            foreach (var fd in message.Fds)
            {
                fd.Dispose();
            }
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }

    [Fact]
    public void Receive_honours_msg_dontwait_when_nothing_is_queued()
    {
        var error = Assert.Throws<SystemCallException>(() => UnixMessage.Receive(receiver, new byte[8], MSG_DONTWAIT));

        Assert.Equal("recvmsg", error.Syscall);
        Assert.Equal(EAGAIN, error.ErrorNumber);
    }

    [Fact]
    public void Send_to_a_closed_peer_throws_epipe_instead_of_raising_sigpipe()
    {
        receiver.Dispose();

        var error = Assert.Throws<SystemCallException>(() => UnixMessage.Send(sender, "x"u8, fd: null));

        Assert.Equal("sendmsg", error.Syscall);
        Assert.Equal(32, error.ErrorNumber); // EPIPE
    }

    private SafeFileHandle OpenFile(string name) =>
        File.OpenHandle(temp.File(name), FileMode.CreateNew, FileAccess.ReadWrite);

    private static SafeFdHandle Duplicate(SafeHandle fd, bool closeOnExec)
    {
        const int F_DUPFD = 0;
        int duplicate = fcntl(fd, closeOnExec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
        return duplicate >= 0 ? new SafeFdHandle(duplicate) : throw SystemCallException.FromLastError("fcntl F_DUPFD");
    }

    // UnixMessage.Send carries at most one fd, as requests do; a misbehaving client can send more.
    internal static unsafe void SendRaw(SafeHandle socket, ReadOnlySpan<byte> payload, params SafeHandle[] fds)
    {
        int space = CMSG_SPACE(sizeof(int) * fds.Length);
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        var header = (cmsghdr*)control;
        header->cmsg_len = (nuint)CMSG_LEN(sizeof(int) * fds.Length);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        int* data = (int*)(control + CMSG_LEN(0));
        for (int i = 0; i < fds.Length; i++)
        {
            data[i] = (int)fds[i].DangerousGetHandle(); // the caller keeps every handle open until we return
        }

        fixed (byte* bytes = payload)
        {
            var iov = new iovec { iov_base = bytes, iov_len = (nuint)payload.Length };
            var msg = new msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)space };
            if (sendmsg(socket, &msg, MSG_NOSIGNAL) < 0)
            {
                throw SystemCallException.FromLastError("sendmsg");
            }
        }

        GC.KeepAlive(fds);
    }
}
