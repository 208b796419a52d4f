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
}
