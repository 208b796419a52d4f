using System.Net.Sockets;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Client.Protocol;

/// <summary>A KERNEL_ENROL request: the fixed reply, then the datagram of lines (<see cref="KernelEnrolmentDetail"/>).</summary>
internal static class KernelEnrolExchange
{
    public static async Task<(BrokerReply Reply, List<string> Lines)> RunAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = await BrokerConnect.ConnectAsync(socketPath, timeout, deadline.Token, cancellationToken);
        try
        {
            var request = new byte[WireFormat.RequestSize];
            RequestCodec.Encode(BrokerRequest.Status() with { Op = BrokerOp.KernelEnrol }, request);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);

            var replyBytes = new byte[WireFormat.ReplySize + 1];
            int length = await socket.ReceiveAsync(replyBytes, SocketFlags.None, deadline.Token);
            if (!ReplyCodec.TryDecode(replyBytes.AsSpan(0, length), out var reply, out string? error))
            {
                throw new PrivportException($"unreadable reply from {socketPath}: {error}", EINVAL, ReplyDecision.None, error);
            }

            // A broker that predates the op, or refused the connection, sends no second datagram.
            if (reply.Op != BrokerOp.KernelEnrol)
            {
                return (reply, []);
            }

            var detail = new byte[WireFormat.KernelEnrolDetailMaxSize + 1];
            length = await socket.ReceiveAsync(detail, SocketFlags.None, deadline.Token);
            if (length == 0 || length > WireFormat.KernelEnrolDetailMaxSize)
            {
                throw new PrivportException(
                    $"the privport broker at {socketPath} sent a KERNEL_ENROL detail of {length} bytes; expected 1 to {WireFormat.KernelEnrolDetailMaxSize}",
                    EINVAL, ReplyDecision.None, "bad enrolment detail");
            }

            return (reply, KernelEnrolmentDetail.Decode(detail.AsSpan(0, length)));
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
