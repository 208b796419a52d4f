using System.Net.Sockets;
using Privport.Client;
using static Privport.Interop.Interop.Libc;

namespace Privport.Protocol;

/// <summary>
/// A request answered by the fixed reply and then, when the reply says so, one datagram of detail (STATUS_DETAIL's
/// JSON, KERNEL_ENROL's lines): one connection, one deadline, the detail's size bounded.
/// </summary>
internal static class DetailExchange
{
    /// <summary>
    /// Sends <c>op</c>; <c>detailFollows</c> says from the reply whether the detail datagram comes, and
    /// <c>detailName</c> is how errors name it (e.g. "STATUS_DETAIL document").
    /// </summary>
    /// <returns>The reply, and the detail's bytes or null when none follows.</returns>
    public static async Task<(BrokerReply Reply, byte[]? Detail)> RunAsync(
        string socketPath, BrokerOp op, int detailMaxSize, Func<BrokerReply, bool> detailFollows, string detailName,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = await BrokerConnect.ConnectAsync(socketPath, timeout, deadline.Token, cancellationToken);
        try
        {
            var request = new byte[WireFormat.RequestSize];
            RequestCodec.Encode(BrokerRequest.Status() with { Op = op }, request);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);

            var replyBytes = new byte[WireFormat.ReplySize + 1];
            int length = await socket.ReceiveAsync(replyBytes, SocketFlags.None, deadline.Token);
            if (!ReplyCodec.TryDecode(replyBytes.AsSpan(0, length), out var reply, out string? error))
            {
                throw new PrivportException($"unreadable reply from {socketPath}: {error}", EINVAL, ReplyDecision.None, error);
            }

            if (!detailFollows(reply))
            {
                return (reply, null);
            }

            var detail = new byte[detailMaxSize + 1];
            length = await socket.ReceiveAsync(detail, SocketFlags.None, deadline.Token);
            if (length == 0 || length > detailMaxSize)
            {
                throw new PrivportException(
                    $"the privport broker at {socketPath} sent a {detailName} of {length} bytes; expected 1 to {detailMaxSize}",
                    EINVAL, ReplyDecision.None, $"bad {detailName}");
            }

            return (reply, detail[..length]);
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
