using System.Text;
using Privport.Client;
using Privport.Protocol;
using Privport.Commands;

namespace Privport.Fuzz;

/// <summary>
/// What a peer can put on the broker's socket, or a broker on a client's: request datagrams (decoded by the broker),
/// reply datagrams and the STATUS_DETAIL JSON document (decoded and printed by the client).
/// </summary>
internal static class WireTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (RequestCodec.TryDecode(input, out var request, out _))
        {
            CheckRequestRoundTrip(input, request);
        }

        if (ReplyCodec.TryDecode(input, out var reply, out _))
        {
            CheckReplyRoundTrip(reply);
        }

        if (input.Length is > 0 and <= WireFormat.StatusDetailMaxSize)
        {
            // As StatusDetailExchange turns the datagram into text, and as privport status then prints it.
            string json = Encoding.UTF8.GetString(input);
            var counters = new BrokerCounters(1, 2, 3, 4, 5, 6);
            StatusCommand.TryRender("/run/privport.sock", counters, json, json: false, out _);
            StatusCommand.TryRender("/run/privport.sock", counters, json, json: true, out _);
        }
    }

    /// <summary>A request the broker accepts has exactly one encoding: nothing in it is ignored, except after a STATUS op.</summary>
    private static void CheckRequestRoundTrip(ReadOnlySpan<byte> input, in BrokerRequest request)
    {
        if (request.Op is BrokerOp.Status or BrokerOp.StatusDetail or BrokerOp.KernelEnrol)
        {
            return;
        }

        Span<byte> encoded = stackalloc byte[WireFormat.RequestSize];
        RequestCodec.Encode(request, encoded);
        if (!encoded.SequenceEqual(input))
        {
            throw new FuzzFindingException($"request decoded as {request} encodes to other bytes");
        }
    }

    private static void CheckReplyRoundTrip(in BrokerReply reply)
    {
        Span<byte> encoded = stackalloc byte[WireFormat.ReplySize];
        ReplyCodec.Encode(reply, encoded);
        if (!ReplyCodec.TryDecode(encoded, out var again, out string? error))
        {
            throw new FuzzFindingException($"reply {reply} re-encodes to bytes that do not decode: {error}");
        }

        if (again with { Reason = reply.Reason } != reply || !reply.Reason.StartsWith(again.Reason, StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"reply {reply} re-encodes to {again}");
        }
    }
}
