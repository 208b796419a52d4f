using System.Text;

namespace Privport.Protocol;

/// <summary>
/// A STATUS_DETAIL request: the fixed reply, then one datagram of JSON. A broker that predates the op answers
/// EINVAL without the second datagram; the caller then falls back to STATUS.
/// </summary>
internal static class StatusDetailExchange
{
    /// <returns>The reply and the JSON, or the reply alone when the broker refused the op.</returns>
    public static async Task<(BrokerReply Reply, string? Json)> RunAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (reply, detail) = await DetailExchange.RunAsync(
            socketPath, BrokerOp.StatusDetail, WireFormat.StatusDetailMaxSize, reply => reply.Status == 0,
            "STATUS_DETAIL document", timeout, cancellationToken);
        return (reply, detail is null ? null : Encoding.UTF8.GetString(detail));
    }
}
