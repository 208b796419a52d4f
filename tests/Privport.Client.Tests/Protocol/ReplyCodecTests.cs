using System.Buffers.Binary;
using System.Text;
using Privport.Protocol;
using static Privport.Protocol.WireFormat;

namespace Privport.Client.Tests.Protocol;

public sealed class ReplyCodecTests
{
    // The reason field holds at most this many bytes of text, then its NUL.
    private const int MaxReasonBytes = ReasonSize - 1;

    private static readonly BrokerCounters DistinctCounters = new(
        UptimeSeconds: 0x0101010101010101, Requests: 0x0202020202020202, Granted: 0x0303030303030303,
        Denied: 0x0404040404040404, Errors: 0x0505050505050505, PolicyRules: 0x0606060606060606);

    public static TheoryData<ushort, int, byte, ushort, string> RoundTrips => new()
    {
        { (ushort)BrokerOp.Bind, 0, (byte)ReplyDecision.Allow, 80, "rule 1 in /etc/privport/policy.toml:3" },
        { (ushort)BrokerOp.Open, 13, (byte)ReplyDecision.Deny, 443, "no rule allows uid 1000 (alice) tcp/0.0.0.0:443" },
        { (ushort)BrokerOp.Query, 0, (byte)ReplyDecision.Allow, 0, "" },
        { (ushort)BrokerOp.Open, 98, (byte)ReplyDecision.Allow, 65535, "bind failed: address in use" },
        { (ushort)BrokerOp.Bind, 22, (byte)ReplyDecision.None, 0, "request has non-zero reserved bytes" },
        { (ushort)BrokerOp.Status, int.MaxValue, (byte)ReplyDecision.None, 1, "übersetzt — 端口 🔌 ok" },
        { 0xffff, -1, 0xff, 0xffff, "x" },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Decode_returns_what_encode_wrote(ushort op, int status, byte decision, ushort port, string reason)
    {
        var reply = new BrokerReply((BrokerOp)op, status, (ReplyDecision)decision, port, reason, DistinctCounters);

        Assert.True(ReplyCodec.TryDecode(Encode(reply), out var decoded, out var error), error);

        Assert.Equal(reply, decoded);
    }

    [Fact]
    public void Counters_round_trip_at_their_extremes()
    {
        var counters = new BrokerCounters(ulong.MaxValue, 0, 1, ulong.MaxValue - 1, 1UL << 63, 42);
        var reply = new BrokerReply(BrokerOp.Status, 0, ReplyDecision.None, 0, "", counters);

        Assert.True(ReplyCodec.TryDecode(Encode(reply), out var decoded, out var error), error);

        Assert.Equal(counters, decoded.Counters);
    }

    [Fact]
    public void Encode_writes_little_endian_integers_and_counters_in_header_order()
    {
        var reply = new BrokerReply(BrokerOp.Query, 13, ReplyDecision.Deny, 0x0150, "no", DistinctCounters);

        var bytes = Encode(reply);

        Assert.Equal("PPRP"u8.ToArray(), bytes[..4]);
        Assert.Equal(new byte[] { 1, 0, 3, 0, 13, 0, 0, 0, 0x50, 0x01, 2, 0 }, bytes[4..16]);
        for (int i = 0; i < CounterCount; i++)
        {
            var slot = bytes.AsSpan(ReplyOffsetCounters + (i * sizeof(ulong)), sizeof(ulong));
            Assert.All(slot.ToArray(), b => Assert.Equal(i + 1, b));
        }

        Assert.Equal("no\0"u8.ToArray(), bytes[ReplyOffsetReason..(ReplyOffsetReason + 3)]);
    }

    [Fact]
    public void Encode_writes_the_example_in_the_protocol_document()
    {
        var bytes = Encode(new BrokerReply(BrokerOp.Open, 0, ReplyDecision.Allow, 443, "rule", default));

        Assert.Equal(Convert.FromHexString("505052500100020000000000bb010100"), bytes[..16]);
        Assert.All(bytes[16..ReplyOffsetReason], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encode_zeroes_the_reserved_byte_and_the_unused_reason_bytes()
    {
        var destination = new byte[ReplySize];
        destination.AsSpan().Fill(0xff);

        ReplyCodec.Encode(new BrokerReply(BrokerOp.Query, 0, ReplyDecision.Allow, 0, "ok", default), destination);

        Assert.Equal(0, destination[ReplyOffsetDecision + 1]);
        Assert.All(destination[(ReplyOffsetReason + 2)..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encode_refuses_a_destination_shorter_than_a_reply()
    {
        var reply = new BrokerReply(BrokerOp.Query, 0, ReplyDecision.Allow, 0, "", default);

        Assert.Throws<ArgumentException>(() => ReplyCodec.Encode(reply, new byte[ReplySize - 1]));
    }

    [Fact]
    public void Encode_cuts_a_long_reason_to_191_bytes_and_a_nul()
    {
        string reason = new('r', 300);

        var bytes = Encode(new BrokerReply(BrokerOp.Open, 13, ReplyDecision.Deny, 0, reason, default));

        Assert.Equal(MaxReasonBytes, bytes.AsSpan(ReplyOffsetReason).IndexOf((byte)0));
        Assert.Equal(0, bytes[ReplySize - 1]);
        Assert.True(ReplyCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.Equal(reason[..MaxReasonBytes], decoded.Reason);
    }

    // Characters of 1 to 4 UTF-8 bytes, after a prefix that moves the field's end across every byte of them.
    public static TheoryData<int, string> LongMultiByteReasons
    {
        get
        {
            var data = new TheoryData<int, string>();
            foreach (string character in new[] { "é", "端", "🔌" })
            {
                for (int prefix = 0; prefix < 4; prefix++)
                {
                    data.Add(prefix, character);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(LongMultiByteReasons))]
    public void Encode_cuts_a_long_reason_on_a_character_boundary(int asciiPrefix, string character)
    {
        string reason = new string('a', asciiPrefix) + string.Concat(Enumerable.Repeat(character, 100));

        var bytes = Encode(new BrokerReply(BrokerOp.Open, 13, ReplyDecision.Deny, 0, reason, default));

        int length = bytes.AsSpan(ReplyOffsetReason).IndexOf((byte)0);
        Assert.InRange(length, MaxReasonBytes - Encoding.UTF8.GetByteCount(character) + 1, MaxReasonBytes);
        var text = bytes.AsSpan(ReplyOffsetReason, length);
        Assert.True(Utf8IsValid(text), $"reason bytes are not valid UTF-8: {Convert.ToHexString(text)}");
        Assert.True(ReplyCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.StartsWith(decoded.Reason, reason, StringComparison.Ordinal);
        Assert.Equal(length, Encoding.UTF8.GetByteCount(decoded.Reason));
    }

    [Fact]
    public void A_reason_of_exactly_191_bytes_is_kept_whole()
    {
        string reason = new string('a', MaxReasonBytes - 4) + "🔌";

        var bytes = Encode(new BrokerReply(BrokerOp.Query, 0, ReplyDecision.Allow, 0, reason, default));

        Assert.True(ReplyCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.Equal(reason, decoded.Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ReplySize - 1)]
    [InlineData(ReplySize + 1)]
    [InlineData(RequestSize)]
    public void Decode_rejects_a_reply_of_the_wrong_size(int size)
    {
        var bytes = new byte[size];
        Valid().AsSpan(0, Math.Min(size, ReplySize)).CopyTo(bytes);

        AssertRejected(bytes, $"{size} bytes");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(RequestMagic)]
    public void Decode_rejects_a_reply_with_a_wrong_magic_number(uint magic)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, magic);

        AssertRejected(bytes, "magic");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Decode_rejects_a_reply_of_another_protocol_version(ushort version)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(ReplyOffsetVersion), version);

        AssertRejected(bytes, "version");
    }

    private static bool Utf8IsValid(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static byte[] Encode(in BrokerReply reply)
    {
        var bytes = new byte[ReplySize];
        ReplyCodec.Encode(reply, bytes);
        return bytes;
    }

    private static byte[] Valid() => Encode(new BrokerReply(BrokerOp.Open, 0, ReplyDecision.Allow, 80, "rule web", DistinctCounters));

    private static void AssertRejected(byte[] bytes, string expectedError)
    {
        Assert.False(ReplyCodec.TryDecode(bytes, out var reply, out var error));
        Assert.Contains(expectedError, error, StringComparison.Ordinal);
        Assert.Equal(default, reply);
    }
}
