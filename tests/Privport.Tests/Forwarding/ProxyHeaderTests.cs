using System.Net;
using System.Text;
using Privport.Forwarding;

namespace Privport.Tests.Forwarding;

/// <summary>The PROXY protocol headers, byte for byte, as the specification (proxy-protocol.txt) lays them out.</summary>
public sealed class ProxyHeaderTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] Header(ProxyProtocolVersion version, string source, string destination)
    {
        var buffer = new byte[ProxyHeader.MaxLength];
        int length = ProxyHeader.Write(version, IPEndPoint.Parse(source), IPEndPoint.Parse(destination), buffer);
        return buffer[..length];
    }

    [Fact]
    public void V1_ipv4_is_one_text_line()
    {
        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n",
            Encoding.ASCII.GetString(Header(ProxyProtocolVersion.V1, "192.0.2.1:56324", "198.51.100.7:443")));
    }

    [Fact]
    public void V1_ipv6_uses_the_compressed_address_form()
    {
        Assert.Equal("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n",
            Encoding.ASCII.GetString(Header(ProxyProtocolVersion.V1, "[2001:db8::1]:56324", "[2001:db8::2]:443")));
    }

    [Fact]
    public void V1_reports_ipv4_clients_of_a_dual_stack_listener_as_tcp4()
    {
        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.7 1 80\r\n",
            Encoding.ASCII.GetString(Header(ProxyProtocolVersion.V1, "[::ffff:192.0.2.1]:1", "[::ffff:198.51.100.7]:80")));
    }

    [Fact]
    public void V1_longest_line_fits_the_buffer()
    {
        string longest = "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535";
        var header = Header(ProxyProtocolVersion.V1, longest, longest);
        Assert.Equal(104, header.Length);
    }

    [Fact]
    public void V2_ipv4_is_the_signature_then_a_12_byte_address_block()
    {
        byte[] expected =
        [
            .. Signature,
            0x21, 0x11, 0x00, 0x0C,
            192, 0, 2, 1,
            198, 51, 100, 7,
            0xDC, 0x04,
            0x01, 0xBB,
        ];
        Assert.Equal(expected, Header(ProxyProtocolVersion.V2, "192.0.2.1:56324", "198.51.100.7:443"));
    }

    [Fact]
    public void V2_ipv6_is_the_signature_then_a_36_byte_address_block()
    {
        byte[] expected =
        [
            .. Signature,
            0x21, 0x21, 0x00, 0x24,
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
            0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
            0x00, 0x50,
            0xFF, 0xFF,
        ];
        Assert.Equal(expected, Header(ProxyProtocolVersion.V2, "[2001:db8::1]:80", "[2001:db8::2]:65535"));
    }
}
