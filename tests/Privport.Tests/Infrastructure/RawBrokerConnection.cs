using System.Net.Sockets;
using System.Runtime.InteropServices;
using Privport.Client;
using Privport.Interop;
using Privport.Protocol;

namespace Privport.Tests.Infrastructure;

/// <summary>A client that can send the broker anything: any bytes, any descriptors, or nothing at all.</summary>
public sealed class RawBrokerConnection : IDisposable
{
    private readonly Socket _socket;

    public RawBrokerConnection(string socketPath, TimeSpan? receiveTimeout = null)
    {
        _socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        _socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        _socket.ReceiveTimeout = (int)(receiveTimeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
    }

    internal static byte[] Encode(BrokerOp op, string endpoint, BindOptions options = BindOptions.None)
    {
        var bytes = new byte[WireFormat.RequestSize];
        RequestCodec.Encode(new BrokerRequest(op, Endpoint.Parse(endpoint), options, 0), bytes);
        return bytes;
    }

    public void Send(ReadOnlySpan<byte> payload, params SafeHandle[] fds)
    {
        if (fds.Length <= 1)
        {
            UnixMessage.Send(_socket.SafeHandle, payload, fds.Length == 1 ? fds[0] : null);
            return;
        }

        SendMany(payload, fds);
    }

    /// <summary>The reply and the fd it carried; null when the broker closed the connection instead.</summary>
    internal (BrokerReply Reply, SafeFdHandle? Fd)? Receive()
    {
        var buffer = new byte[WireFormat.ReplySize + 16];
        var message = UnixMessage.Receive(_socket.SafeHandle, buffer);
        if (message.Length == 0)
        {
            return null;
        }

        Assert.True(ReplyCodec.TryDecode(buffer.AsSpan(0, message.Length), out var reply, out string? error), error);
        return (reply, message.Fds.FirstOrDefault());
    }

    internal (BrokerReply Reply, SafeFdHandle? Fd) Exchange(ReadOnlySpan<byte> payload, params SafeHandle[] fds)
    {
        Send(payload, fds);
        return Receive() ?? throw new InvalidOperationException("the broker closed the connection without a reply");
    }

    /// <summary>True when the broker has closed its end (a read returns end of stream).</summary>
    public bool IsClosedByBroker()
    {
        var buffer = new byte[WireFormat.ReplySize];
        try
        {
            return UnixMessage.Receive(_socket.SafeHandle, buffer).Length == 0;
        }
        catch (SystemCallException e) when (e.ErrorNumber == Privport.Interop.Interop.Libc.EAGAIN)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    private unsafe void SendMany(ReadOnlySpan<byte> payload, SafeHandle[] fds)
    {
        int space = Privport.Interop.Interop.Libc.CMSG_SPACE(sizeof(int) * fds.Length);
        byte* control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        var header = (Privport.Interop.Interop.Libc.cmsghdr*)control;
        header->cmsg_len = (nuint)Privport.Interop.Interop.Libc.CMSG_LEN(sizeof(int) * fds.Length);
        header->cmsg_level = Privport.Interop.Interop.Libc.SOL_SOCKET;
        header->cmsg_type = Privport.Interop.Interop.Libc.SCM_RIGHTS;
        int* data = (int*)(control + Privport.Interop.Interop.Libc.CMSG_ALIGN(sizeof(Privport.Interop.Interop.Libc.cmsghdr)));
        for (int i = 0; i < fds.Length; i++)
        {
            // The handles stay owned by the caller, who keeps them alive for the duration of this call.
            data[i] = (int)fds[i].DangerousGetHandle();
        }

        fixed (byte* bytes = payload)
        {
            var iov = new Privport.Interop.Interop.Libc.iovec { iov_base = bytes, iov_len = (nuint)payload.Length };
            var msg = new Privport.Interop.Interop.Libc.msghdr { msg_iov = &iov, msg_iovlen = 1, msg_control = control, msg_controllen = (nuint)space };
            if (Privport.Interop.Interop.Libc.sendmsg(_socket.SafeHandle, &msg, 0) < 0)
            {
                throw SystemCallException.FromLastError("sendmsg");
            }
        }
    }
}
