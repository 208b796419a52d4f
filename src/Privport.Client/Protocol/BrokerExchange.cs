using System.Net.Sockets;
using System.Runtime.InteropServices;
using Privport.Client.Interop;

namespace Privport.Client.Protocol;

/// <summary>One request and its reply on a fresh connection to the broker.</summary>
internal static class BrokerExchange
{
    public static async Task<(BrokerReply Reply, SafeFdHandle? Fd)> RunAsync(
        string socketPath, BrokerRequest request, SafeHandle? fd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        }
        catch (SocketException e)
        {
            throw new PrivportException(
                $"cannot reach the privport broker at {socketPath}: {e.Message}. Start it with 'privport serve' " +
                "(or 'systemctl start privport'), or point PRIVPORT_SOCKET / --socket at its socket.",
                e.ErrorCode, ReplyDecision.None, e.Message, brokerUnreachable: true, e);
        }

        var requestBytes = new byte[WireFormat.RequestSize];
        RequestCodec.Encode(request, requestBytes);
        UnixMessage.Send(socket.SafeHandle, requestBytes, fd);

        try
        {
            if (await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, deadline.Token) == 0)
            {
                throw new PrivportException(
                    $"the privport broker at {socketPath} closed the connection without a reply; its log says why",
                    Interop.Interop.Libc.ECONNREFUSED, ReplyDecision.None, "connection closed without reply");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrivportException(
                $"the privport broker at {socketPath} did not answer within {timeout.TotalSeconds:0.#} s",
                Interop.Interop.Libc.ETIMEDOUT, ReplyDecision.None, "timed out");
        }

        var replyBytes = new byte[WireFormat.ReplySize + 1];
        var message = UnixMessage.Receive(socket.SafeHandle, replyBytes, Interop.Interop.Libc.MSG_DONTWAIT);
        SafeFdHandle? received = message.Fds.Length > 0 ? message.Fds[0] : null;
        foreach (var extra in message.Fds.Skip(1))
        {
            extra.Dispose();
        }

        string? error = "reply longer than the protocol allows";
        if (message.Truncated || !ReplyCodec.TryDecode(replyBytes.AsSpan(0, message.Length), out var reply, out error))
        {
            received?.Dispose();
            throw new PrivportException(
                $"unreadable reply from {socketPath}: {error}",
                Interop.Interop.Libc.EINVAL, ReplyDecision.None, error);
        }

        return (reply, received);
    }
}
