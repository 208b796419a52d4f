namespace Privport.Protocol;

/// <summary>A KERNEL_ENROL request: the fixed reply, then the datagram of lines (<see cref="KernelEnrolmentDetail"/>).</summary>
internal static class KernelEnrolExchange
{
    public static async Task<(BrokerReply Reply, List<string> Lines)> RunAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A broker that predates the op, or refused the connection, sends no second datagram.
        var (reply, detail) = await DetailExchange.RunAsync(
            socketPath, BrokerOp.KernelEnrol, WireFormat.KernelEnrolDetailMaxSize, reply => reply.Op == BrokerOp.KernelEnrol,
            "KERNEL_ENROL detail", timeout, cancellationToken);
        return (reply, detail is null ? [] : KernelEnrolmentDetail.Decode(detail));
    }
}
