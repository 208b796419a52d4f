using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Privport.Client;
using static Privport.Protocol.WireFormat;

namespace Privport.Protocol;

/// <summary>Encodes and decodes reply datagrams.</summary>
internal static class ReplyCodec
{
    public static void Encode(in BrokerReply reply, Span<byte> destination)
    {
        if (destination.Length < ReplySize)
        {
            throw new ArgumentException($"a reply needs {ReplySize} bytes", nameof(destination));
        }

        var bytes = destination[..ReplySize];
        bytes.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[ReplyOffsetMagic..], ReplyMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[ReplyOffsetVersion..], ProtocolVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[ReplyOffsetOp..], (ushort)reply.Op);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[ReplyOffsetStatus..], reply.Status);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[ReplyOffsetPort..], reply.Port);
        bytes[ReplyOffsetDecision] = (byte)reply.Decision;
        var counters = bytes.Slice(ReplyOffsetCounters, CounterCount * sizeof(ulong));
        var c = reply.Counters;
        ReadOnlySpan<ulong> values = [c.UptimeSeconds, c.Requests, c.Granted, c.Denied, c.Errors, c.PolicyRules];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counters[(i * sizeof(ulong))..], values[i]);
        }

        WriteReason(reply.Reason, bytes.Slice(ReplyOffsetReason, ReasonSize - 1));
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out BrokerReply reply, [NotNullWhen(false)] out string? error)
    {
        reply = default;
        if (bytes.Length != ReplySize)
        {
            error = $"broker reply is {bytes.Length} bytes, expected {ReplySize}: client and broker speak different protocol versions";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[ReplyOffsetMagic..]) != ReplyMagic
            || BinaryPrimitives.ReadUInt16LittleEndian(bytes[ReplyOffsetVersion..]) != ProtocolVersion)
        {
            error = "broker reply has a wrong magic number or version: the socket is not a privport broker of this version";
            return false;
        }

        var counters = bytes.Slice(ReplyOffsetCounters, CounterCount * sizeof(ulong));
        var reasonBytes = bytes.Slice(ReplyOffsetReason, ReasonSize);
        int nul = reasonBytes.IndexOf((byte)0);
        reply = new BrokerReply(
            (BrokerOp)BinaryPrimitives.ReadUInt16LittleEndian(bytes[ReplyOffsetOp..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[ReplyOffsetStatus..]),
            (ReplyDecision)bytes[ReplyOffsetDecision],
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[ReplyOffsetPort..]),
            Encoding.UTF8.GetString(nul < 0 ? reasonBytes : reasonBytes[..nul]),
            new BrokerCounters(Counter(counters, 0), Counter(counters, 1), Counter(counters, 2), Counter(counters, 3), Counter(counters, 4), Counter(counters, 5)));
        error = null;
        return true;
    }

    private static ulong Counter(ReadOnlySpan<byte> counters, int index) =>
        BinaryPrimitives.ReadUInt64LittleEndian(counters[(index * sizeof(ulong))..]);

    // Cuts on a UTF-8 character boundary so a long reason never ends in a broken character.
    private static void WriteReason(string reason, Span<byte> destination)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(reason, destination, flush: true, out _, out _, out _);
    }
}
