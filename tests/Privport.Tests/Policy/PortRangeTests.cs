using Privport.Client;
using Privport.Policy;

namespace Privport.Tests.Policy;

public sealed class PortRangeTests
{
    [Theory]
    [InlineData("tcp/80", PortProtocol.Tcp, 80, 80)]
    [InlineData("udp/53", PortProtocol.Udp, 53, 53)]
    [InlineData("tcp/8000-8099", PortProtocol.Tcp, 8000, 8099)]
    [InlineData("tcp/1-65535", PortProtocol.Tcp, 1, 65535)]
    [InlineData("udp/443-443", PortProtocol.Udp, 443, 443)]
    public void Parse_reads_protocol_and_inclusive_range(string text, PortProtocol protocol, int first, int last)
    {
        Assert.True(PortRange.TryParse(text, out var range, out string? error), error);
        Assert.Equal(new PortRange(protocol, (ushort)first, (ushort)last), range);
    }

    [Fact]
    public void Range_includes_both_bounds_and_nothing_outside()
    {
        Assert.True(PortRange.TryParse("tcp/8000-8099", out var range, out _));
        Assert.True(range.Contains(PortProtocol.Tcp, 8000));
        Assert.True(range.Contains(PortProtocol.Tcp, 8099));
        Assert.False(range.Contains(PortProtocol.Tcp, 7999));
        Assert.False(range.Contains(PortProtocol.Tcp, 8100));
    }

    [Fact]
    public void Tcp_port_does_not_cover_the_same_udp_port()
    {
        Assert.True(PortRange.TryParse("tcp/53", out var range, out _));
        Assert.False(range.Contains(PortProtocol.Udp, 53));
    }

    [Fact]
    public void Reversed_range_is_rejected_with_the_range_to_write()
    {
        Assert.False(PortRange.TryParse("tcp/90-80", out _, out string? error));
        Assert.Contains("'tcp/90-80'", error, StringComparison.Ordinal);
        Assert.Contains("tcp/80-90", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp/0")]
    [InlineData("tcp/65536")]
    [InlineData("tcp/-1")]
    [InlineData("tcp/http")]
    [InlineData("tcp/80-")]
    [InlineData("tcp/ 80")]
    [InlineData("tcp/")]
    public void Port_outside_1_to_65535_or_not_a_number_is_rejected_naming_the_text(string text)
    {
        Assert.False(PortRange.TryParse(text, out _, out string? error));
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_without_protocol_is_rejected_suggesting_tcp_and_udp()
    {
        Assert.False(PortRange.TryParse("80", out _, out string? error));
        Assert.Contains("\"tcp/80\" or \"udp/80\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_protocol_is_rejected()
    {
        Assert.False(PortRange.TryParse("sctp/80", out _, out string? error));
        Assert.Contains("'sctp'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_with_an_address_is_rejected_pointing_to_addresses()
    {
        Assert.False(PortRange.TryParse("tcp/127.0.0.1:80", out _, out string? error));
        Assert.Contains("addresses", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp/80")]
    [InlineData("udp/8000-8099")]
    public void Text_round_trips(string text)
    {
        Assert.True(PortRange.TryParse(text, out var range, out _));
        Assert.Equal(text, range.ToString());
    }
}
