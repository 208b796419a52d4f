using System.Net;

namespace Privport.Client.Tests;

public sealed class EndpointTests
{
    [Fact]
    public void Parse_reads_ipv6_in_brackets()
    {
        var endpoint = Endpoint.Parse("tcp/[::1]:443");
        Assert.Equal(new Endpoint(PortProtocol.Tcp, IPAddress.IPv6Loopback, 443), endpoint);
    }

    public static TheoryData<string, byte, string, ushort> AcceptedForms => new()
    {
        { "tcp/80", (byte)PortProtocol.Tcp, "0.0.0.0", 80 },
        { "udp/53", (byte)PortProtocol.Udp, "0.0.0.0", 53 },
        { "tcp/1", (byte)PortProtocol.Tcp, "0.0.0.0", 1 },
        { "udp/65535", (byte)PortProtocol.Udp, "0.0.0.0", 65535 },
        { "tcp/127.0.0.1:80", (byte)PortProtocol.Tcp, "127.0.0.1", 80 },
        { "udp/0.0.0.0:53", (byte)PortProtocol.Udp, "0.0.0.0", 53 },
        { "udp/255.255.255.255:67", (byte)PortProtocol.Udp, "255.255.255.255", 67 },
        { "tcp/192.0.2.10:443", (byte)PortProtocol.Tcp, "192.0.2.10", 443 },
        { "tcp/[::1]:443", (byte)PortProtocol.Tcp, "::1", 443 },
        { "udp/[::]:53", (byte)PortProtocol.Udp, "::", 53 },
        { "tcp/[2001:db8::10]:8443", (byte)PortProtocol.Tcp, "2001:db8::10", 8443 },
        { "tcp/[fe80::1%2]:22", (byte)PortProtocol.Tcp, "fe80::1%2", 22 },
        { "tcp/[::ffff:192.0.2.1]:80", (byte)PortProtocol.Tcp, "::ffff:192.0.2.1", 80 },
    };

    [Theory]
    [MemberData(nameof(AcceptedForms))]
    public void Parse_accepts_every_documented_form(string text, byte protocol, string address, ushort port)
    {
        Assert.True(Endpoint.TryParse(text, out var endpoint, out var error), error);

        Assert.Equal(new Endpoint((PortProtocol)protocol, IPAddress.Parse(address), port), endpoint);
        Assert.Equal(endpoint, Endpoint.Parse(text));
    }

    [Theory]
    [InlineData("tcp/80", "tcp/0.0.0.0:80")]
    [InlineData("udp/53", "udp/0.0.0.0:53")]
    [InlineData("tcp/127.0.0.1:80", "tcp/127.0.0.1:80")]
    [InlineData("tcp/[::1]:443", "tcp/[::1]:443")]
    [InlineData("udp/[2001:db8:0:0::10]:5353", "udp/[2001:db8::10]:5353")]
    [InlineData("tcp/[fe80::1%2]:22", "tcp/[fe80::1%2]:22")]
    public void ToString_writes_the_full_form_that_parses_back_to_the_same_endpoint(string text, string expected)
    {
        var endpoint = Endpoint.Parse(text);

        Assert.Equal(expected, endpoint.ToString());
        Assert.Equal(endpoint, Endpoint.Parse(endpoint.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("tcp80")]
    [InlineData("tcp:80")]
    [InlineData("127.0.0.1:80")]
    public void Parse_rejects_text_without_a_slash(string text)
    {
        AssertRejected(text, $"'{text}' is not an endpoint: write PROTOCOL/[ADDRESS:]PORT");
    }

    [Theory]
    [InlineData("/80", "")]
    [InlineData("sctp/80", "sctp")]
    [InlineData("TCP/80", "TCP")]
    [InlineData(" tcp/80", " tcp")]
    [InlineData("tcp6/80", "tcp6")]
    public void Parse_rejects_a_protocol_other_than_tcp_or_udp(string text, string protocol)
    {
        AssertRejected(text, $"protocol '{protocol}' is not tcp or udp");
    }

    [Theory]
    [InlineData("tcp/300.1.1.1:80", "300.1.1.1")]
    [InlineData("tcp/localhost:80", "localhost")]
    [InlineData("tcp/:80", "")]
    [InlineData("tcp/1.2.3.4.5:80", "1.2.3.4.5")]
    [InlineData("tcp/1.2.3:80", "1.2.3")]
    [InlineData("tcp/127.1:80", "127.1")]
    [InlineData("tcp/010.0.0.1:80", "010.0.0.1")]
    [InlineData("tcp/0x7f.0.0.1:80", "0x7f.0.0.1")]
    [InlineData("tcp/2130706433:80", "2130706433")]
    [InlineData("tcp/127.0.0.1:80:80", "127.0.0.1:80")]
    public void Parse_rejects_anything_but_a_dotted_decimal_ipv4_address_outside_brackets(string text, string address)
    {
        AssertRejected(text, $"'{address}' is not an IPv4 address");
    }

    [Theory]
    [InlineData("tcp/::1:443", "::1")]
    [InlineData("tcp/2001:db8::1:443", "2001:db8::1")]
    [InlineData("udp/:::53", "::")]
    public void Parse_rejects_ipv6_without_brackets_and_says_to_add_them(string text, string address)
    {
        AssertRejected(text, $"'{address}' is not an IPv4 address (put IPv6 addresses in brackets: tcp/[::1]:443)");
    }

    [Theory]
    [InlineData("tcp/[::1]")]
    [InlineData("tcp/[::1]443")]
    [InlineData("tcp/[::1:443")]
    [InlineData("tcp/[]:443")]
    [InlineData("tcp/[127.0.0.1]:80")]
    [InlineData("tcp/[zz::1]:443")]
    [InlineData("tcp/[[::1]]:443")]
    public void Parse_rejects_a_malformed_bracketed_address(string text)
    {
        AssertRejected(text, "an IPv6 endpoint is written [ADDRESS]:PORT, e.g. tcp/[::1]:443");
    }

    [Theory]
    [InlineData("tcp/0", "0")]
    [InlineData("tcp/65536", "65536")]
    [InlineData("tcp/99999999999", "99999999999")]
    [InlineData("tcp/-1", "-1")]
    [InlineData("tcp/+80", "+80")]
    [InlineData("tcp/ 80", " 80")]
    [InlineData("tcp/80 ", "80 ")]
    [InlineData("tcp/0x50", "0x50")]
    [InlineData("tcp/8_0", "8_0")]
    [InlineData("tcp/", "")]
    [InlineData("udp/127.0.0.1:0", "0")]
    [InlineData("udp/127.0.0.1:65536", "65536")]
    [InlineData("tcp/127.0.0.1:", "")]
    [InlineData("tcp/[::1]:0", "0")]
    [InlineData("tcp/[::1]:65536", "65536")]
    [InlineData("tcp/[::1]:", "")]
    [InlineData("tcp/eighty", "eighty")]
    [InlineData("tcp/80/443", "80/443")]
    [InlineData("tcp/[::1]:80]:443", "80]:443")]
    [InlineData("tcp/８０", "８０")]
    public void Parse_rejects_a_port_outside_1_to_65535(string text, string port)
    {
        AssertRejected(text, $"port '{port}' is not a number from 1 to 65535");
    }

    [Fact]
    public void TryParse_rejects_null_as_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => Endpoint.TryParse(null!, out _, out _));
    }

    [Theory]
    [InlineData("tcp", (byte)PortProtocol.Tcp)]
    [InlineData("udp", (byte)PortProtocol.Udp)]
    public void Protocol_names_parse_and_print_back(string name, byte protocol)
    {
        Assert.True(Endpoint.TryParseProtocol(name, out var parsed));
        Assert.Equal((PortProtocol)protocol, parsed);
        Assert.Equal(name, Endpoint.ProtocolName(parsed));
    }

    private static void AssertRejected(string text, string expectedMessage)
    {
        Assert.False(Endpoint.TryParse(text, out var endpoint, out var error));
        Assert.Equal(default, endpoint);
        Assert.Contains(expectedMessage, error, StringComparison.Ordinal);
        Assert.StartsWith($"'{text}'", error, StringComparison.Ordinal);
        var exception = Assert.Throws<FormatException>(() => Endpoint.Parse(text));
        Assert.Equal(error, exception.Message);
    }
}
