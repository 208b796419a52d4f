using System.Buffers.Binary;
using System.Net;
using Privport.Protocol;
using static Privport.Protocol.WireFormat;

namespace Privport.Client.Tests.Protocol;

public sealed class RequestCodecTests
{
    public static TheoryData<ushort, string, uint, uint> RoundTrips => new()
    {
        { (ushort)BrokerOp.Bind, "tcp/0.0.0.0:80", (uint)BindOptions.None, 0 },
        { (ushort)BrokerOp.Bind, "udp/[::1]:53", (uint)BindOptions.V6Only, 0 },
        { (ushort)BrokerOp.Open, "tcp/192.0.2.10:443", (uint)(BindOptions.ReuseAddress | BindOptions.ReusePort | BindOptions.FreeBind), 0 },
        { (ushort)BrokerOp.Open, "udp/[2001:db8::1]:500", (uint)(BindOptions.ReuseAddress | BindOptions.ReusePort | BindOptions.V6Only | BindOptions.FreeBind), 0 },
        { (ushort)BrokerOp.Open, "tcp/[fe80::1%7]:22", (uint)BindOptions.ReuseAddress, 7 },
        { (ushort)BrokerOp.Query, "udp/255.255.255.255:65535", (uint)BindOptions.ReusePort, 0 },
        { (ushort)BrokerOp.Query, "tcp/[::]:1", (uint)BindOptions.None, 0 },
        { (ushort)BrokerOp.Bind, "tcp/[fe80::abcd%4294967295]:8443", (uint)BindOptions.V6Only, uint.MaxValue },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Decode_returns_what_encode_wrote_for_every_op_family_flag_and_scope(ushort op, string endpoint, uint flags, uint scopeId)
    {
        var request = new BrokerRequest((BrokerOp)op, Endpoint.Parse(endpoint), (BindOptions)flags, scopeId);

        Assert.True(RequestCodec.TryDecode(Encode(request), out var decoded, out var reason), reason);

        Assert.Equal(request, decoded);
        Assert.Equal(scopeId, (uint)decoded.Endpoint.Address.ScopeIdOrZero());
    }

    [Fact]
    public void Encode_writes_little_endian_integers_and_the_address_in_network_order()
    {
        var request = new BrokerRequest(
            BrokerOp.Open, new Endpoint(PortProtocol.Udp, IPAddress.Parse("2001:db8::102%258"), 0x1234),
            BindOptions.ReusePort | BindOptions.V6Only, 258);

        var bytes = Encode(request);

        byte[] expected =
        [
            (byte)'P', (byte)'P', (byte)'R', (byte)'Q', 1, 0, 2, 0,
            17, 10, 0x34, 0x12, 0x06, 0, 0, 0,
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02,
            0x02, 0x01, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Encode_writes_the_example_in_the_protocol_document()
    {
        var bytes = Encode(new BrokerRequest(BrokerOp.Open, Endpoint.Parse("tcp/192.0.2.10:443"), BindOptions.ReuseAddress, 0));

        Assert.Equal(Convert.FromHexString("50505251010002000602bb0101000000c000020a"), bytes[..20]);
        Assert.All(bytes[20..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Encode_puts_an_ipv4_address_in_the_first_four_address_bytes_and_zeroes_the_rest()
    {
        var bytes = Encode(new BrokerRequest(BrokerOp.Bind, Endpoint.Parse("tcp/192.0.2.1:80"), BindOptions.None, 0));

        Assert.Equal(FamilyInet, bytes[RequestOffsetFamily]);
        Assert.Equal(new byte[] { 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, bytes[RequestOffsetAddress..RequestOffsetScopeId]);
    }

    [Fact]
    public void Encode_clears_stale_bytes_in_the_destination()
    {
        var destination = new byte[RequestSize + 8];
        destination.AsSpan().Fill(0xff);

        RequestCodec.Encode(BrokerRequest.Status(), destination);

        Assert.All(destination[RequestOffsetReserved..RequestSize], b => Assert.Equal(0, b));
        Assert.All(destination[RequestSize..], b => Assert.Equal(0xff, b));
    }

    [Fact]
    public void Encode_refuses_a_destination_shorter_than_a_request()
    {
        Assert.Throws<ArgumentException>(() => RequestCodec.Encode(BrokerRequest.Status(), new byte[RequestSize - 1]));
    }

    [Fact]
    public void Decode_accepts_status_without_an_endpoint()
    {
        var bytes = new byte[RequestSize];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, RequestMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(RequestOffsetVersion), ProtocolVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(RequestOffsetOp), (ushort)BrokerOp.Status);

        Assert.True(RequestCodec.TryDecode(bytes, out var request, out var reason), reason);

        Assert.Equal(BrokerOp.Status, request.Op);
    }

    [Fact]
    public void Status_round_trips()
    {
        Assert.True(RequestCodec.TryDecode(Encode(BrokerRequest.Status()), out var request, out var reason), reason);

        Assert.Equal(BrokerRequest.Status(), request);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(RequestSize - 1)]
    [InlineData(RequestSize + 1)]
    [InlineData(WireFormat.ReplySize)]
    public void Decode_rejects_a_request_of_the_wrong_size(int size)
    {
        var bytes = new byte[size];
        Valid().AsSpan(0, Math.Min(size, RequestSize)).CopyTo(bytes);

        AssertRejected(bytes, $"request is {size} bytes");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(ReplyMagic)]
    [InlineData(0x50505251u)]
    public void Decode_rejects_a_request_with_a_wrong_magic_number(uint magic)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, magic);

        AssertRejected(bytes, "magic");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(0xffff)]
    public void Decode_rejects_a_request_of_another_protocol_version(ushort version)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(RequestOffsetVersion), version);

        AssertRejected(bytes, $"version {version}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(0xffff)]
    public void Decode_rejects_an_unknown_op(ushort op)
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(RequestOffsetOp), op);

        AssertRejected(bytes, $"unknown op {op}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(132)]
    [InlineData(255)]
    public void Decode_rejects_a_protocol_other_than_tcp_or_udp(byte protocol)
    {
        var bytes = Valid();
        bytes[RequestOffsetProtocol] = protocol;

        AssertRejected(bytes, $"protocol {protocol}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(255)]
    public void Decode_rejects_a_family_other_than_inet_or_inet6(byte family)
    {
        var bytes = Valid();
        bytes[RequestOffsetFamily] = family;

        AssertRejected(bytes, $"address family {family}");
    }

    [Theory]
    [InlineData(FamilyInet)]
    [InlineData(FamilyInet6)]
    public void Decode_rejects_port_0(byte family)
    {
        var bytes = Valid(family);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(RequestOffsetPort), 0);

        AssertRejected(bytes, "port 0");
    }

    [Theory]
    [InlineData(1u << 4)]
    [InlineData(1u << 31)]
    [InlineData(0xfffffff0u)]
    public void Decode_rejects_unknown_flag_bits(uint unknown)
    {
        var bytes = Valid(FamilyInet6);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RequestOffsetFlags), (uint)BindOptions.ReuseAddress | unknown);

        AssertRejected(bytes, $"unknown flags 0x{unknown:x}");
    }

    [Fact]
    public void Decode_rejects_v6only_on_an_inet_request()
    {
        var bytes = Valid(FamilyInet);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RequestOffsetFlags), (uint)BindOptions.V6Only);

        AssertRejected(bytes, "V6ONLY");
    }

    [Fact]
    public void Decode_accepts_v6only_on_an_inet6_request()
    {
        var bytes = Valid(FamilyInet6);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RequestOffsetFlags), (uint)BindOptions.V6Only);

        Assert.True(RequestCodec.TryDecode(bytes, out var request, out var reason), reason);
        Assert.Equal(BindOptions.V6Only, request.Flags);
    }

    public static TheoryData<int> AddressBytesBeyondIpv4 => [.. Enumerable.Range(4, 12)];

    [Theory]
    [MemberData(nameof(AddressBytesBeyondIpv4))]
    public void Decode_rejects_an_inet_request_with_bytes_beyond_the_first_four_address_bytes(int index)
    {
        var bytes = Valid(FamilyInet);
        bytes[RequestOffsetAddress + index] = 1;

        AssertRejected(bytes, "beyond its 4-byte address");
    }

    [Fact]
    public void Decode_rejects_an_inet_request_with_a_scope_id()
    {
        var bytes = Valid(FamilyInet);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RequestOffsetScopeId), 1);

        AssertRejected(bytes, "scope id");
    }

    public static TheoryData<int> ReservedBytes => [.. Enumerable.Range(RequestOffsetReserved, RequestSize - RequestOffsetReserved)];

    [Theory]
    [MemberData(nameof(ReservedBytes))]
    public void Decode_rejects_a_request_with_nonzero_reserved_bytes(int offset)
    {
        var bytes = Valid();
        bytes[offset] = 0x80;

        AssertRejected(bytes, "reserved");
    }

    [Fact]
    public void Decode_rejects_a_status_request_with_nonzero_reserved_bytes()
    {
        var bytes = Encode(BrokerRequest.Status());
        bytes[RequestSize - 1] = 1;

        AssertRejected(bytes, "reserved");
    }

    private static byte[] Encode(in BrokerRequest request)
    {
        var bytes = new byte[RequestSize];
        RequestCodec.Encode(request, bytes);
        return bytes;
    }

    private static byte[] Valid(byte family = FamilyInet)
    {
        var endpoint = family == FamilyInet6 ? Endpoint.Parse("tcp/[::1]:443") : Endpoint.Parse("tcp/127.0.0.1:80");
        var bytes = Encode(new BrokerRequest(BrokerOp.Open, endpoint, BindOptions.ReuseAddress, 0));
        Assert.True(RequestCodec.TryDecode(bytes, out _, out var reason), reason);
        return bytes;
    }

    private static void AssertRejected(byte[] bytes, string expectedReason)
    {
        Assert.False(RequestCodec.TryDecode(bytes, out var request, out var reason));
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
        Assert.Equal(default, request);
    }
}
