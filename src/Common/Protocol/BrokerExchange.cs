using System.Net.Sockets;
using System.Runtime.InteropServices;
using Privport.Interop;
using Privport.Client;
using static Privport.Interop.Interop.Libc;

namespace Privport.Protocol;

/// <summary>One request and its reply on a fresh connection to the broker, all within one timeout.</summary>
internal static class BrokerExchange
{
    public static async Task<(BrokerReply Reply, SafeFdHandle? Fd)> RunAsync(
        string socketPath, BrokerRequest request, SafeHandle? fd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = await BrokerConnect.ConnectAsync(socketPath, timeout, deadline.Token, cancellationToken);

        var requestBytes = new byte[WireFormat.RequestSize];
        RequestCodec.Encode(request, requestBytes);
        while (true)
        {
            try
            {
                UnixMessage.Send(socket.SafeHandle, requestBytes, fd, MSG_DONTWAIT);
                break;
            }
            catch (SystemCallException e) when (e.ErrorNumber == EAGAIN)
            {
                await BrokerConnect.PauseAsync(socketPath, timeout, deadline.Token, cancellationToken);
            }
            catch (SystemCallException e)
            {
                // A broker that refuses a connection (too many open) replies and closes before reading: read that reply.
                return ReadReply(socket, socketPath, request) ?? throw new PrivportException(
                    $"the privport broker at {socketPath} closed the connection before taking the request ({e.Message})",
                    e.ErrorNumber, ReplyDecision.None, e.Message, inner: e);
            }
        }

        try
        {
            if (await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, deadline.Token) == 0)
            {
                throw new PrivportException(
                    $"the privport broker at {socketPath} closed the connection without a reply; its log says why",
                    ECONNREFUSED, ReplyDecision.None, "connection closed without reply");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw BrokerConnect.TimedOut(socketPath, timeout, "answer");
        }

        return ReadReply(socket, socketPath, request)
            ?? throw new PrivportException($"the privport broker at {socketPath} sent no reply", EINVAL, ReplyDecision.None, "no reply");
    }

    private static (BrokerReply Reply, SafeFdHandle? Fd)? ReadReply(Socket socket, string socketPath, in BrokerRequest request)
    {
        var replyBytes = new byte[WireFormat.ReplySize + 1];
        if (UnixMessage.TryReceive(socket.SafeHandle, replyBytes, MSG_DONTWAIT) is not { Length: > 0 } message)
        {
            return null;
        }

        SafeFdHandle? received = message.Fds.Length > 0 ? message.Fds[0] : null;
        for (int i = 1; i < message.Fds.Length; i++)
        {
            message.Fds[i].Dispose();
        }

        string? error = "reply longer than the protocol allows";
        if (message.Truncated || !ReplyCodec.TryDecode(replyBytes.AsSpan(0, message.Length), out var reply, out error))
        {
            received?.Dispose();
            throw new PrivportException($"unreadable reply from {socketPath}: {error}", EINVAL, ReplyDecision.None, error);
        }

        if (reply.Status == 0 && reply.Op != request.Op)
        {
            received?.Dispose();
            throw new PrivportException($"the broker at {socketPath} answered op {reply.Op} to a {request.Op} request", EINVAL, ReplyDecision.None, "mismatched reply");
        }

        return (reply, received);
    }
}
