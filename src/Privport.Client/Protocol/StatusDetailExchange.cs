using System.Net.Sockets;
using System.Text;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Client.Protocol;

/// <summary>
/// A STATUS_DETAIL request: the fixed reply, then one datagram of JSON. A broker that predates the op answers
/// EINVAL without the second datagram; the caller then falls back to STATUS.
/// </summary>
internal static class StatusDetailExchange
{
    /// <returns>The reply and the JSON, or the reply alone when the broker refused the op.</returns>
    public static async Task<(BrokerReply Reply, string? Json)> RunAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = await BrokerConnect.ConnectAsync(socketPath, timeout, deadline.Token, cancellationToken);
        try
        {
            var request = new byte[WireFormat.RequestSize];
            RequestCodec.Encode(BrokerRequest.Status() with { Op = BrokerOp.StatusDetail }, request);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);

            var replyBytes = new byte[WireFormat.ReplySize + 1];
            int length = await socket.ReceiveAsync(replyBytes, SocketFlags.None, deadline.Token);
            if (!ReplyCodec.TryDecode(replyBytes.AsSpan(0, length), out var reply, out string? error))
            {
                throw new PrivportException($"unreadable reply from {socketPath}: {error}", EINVAL, ReplyDecision.None, error);
            }

            if (reply.Status != 0)
            {
                return (reply, null);
            }

            var json = new byte[WireFormat.StatusDetailMaxSize + 1];
            length = await socket.ReceiveAsync(json, SocketFlags.None, deadline.Token);
            if (length == 0 || length > WireFormat.StatusDetailMaxSize)
            {
                throw new PrivportException(
                    $"the privport broker at {socketPath} sent a STATUS_DETAIL document of {length} bytes; expected 1 to {WireFormat.StatusDetailMaxSize}",
                    EINVAL, ReplyDecision.None, "bad status document");
            }

            return (reply, Encoding.UTF8.GetString(json, 0, length));
        }
        catch (SocketException e)
        {
            throw new PrivportException(
                $"cannot reach the privport broker at {socketPath}: {e.Message}. Start it with 'privport serve' " +
                "(or 'systemctl start privport.socket'), or point PRIVPORT_SOCKET / --socket at its socket.",
                e.ErrorCode, ReplyDecision.None, e.Message, brokerUnreachable: true, e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw BrokerConnect.TimedOut(socketPath, timeout, "answer");
        }
    }
}
