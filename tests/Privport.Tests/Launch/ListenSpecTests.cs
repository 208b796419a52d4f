using System.Net;
using Privport.Client;
using Privport.Launch;

namespace Privport.Tests.Launch;

public sealed class ListenSpecTests
{
    [Fact]
    public void A_tcp_endpoint_listens_with_SO_REUSEADDR_and_the_default_backlog()
    {
        Assert.True(ListenSpec.TryParse("tcp/80", out var spec, out _));
        Assert.Equal(new Endpoint(PortProtocol.Tcp, IPAddress.Any, 80), spec.Endpoint);
        Assert.Equal(BindOptions.ReuseAddress, spec.Options);
        Assert.Equal(ListenSpec.DefaultBacklog, spec.Backlog);
        Assert.Equal("tcp-80", spec.DefaultName);
    }

    [Fact]
    public void Options_follow_the_endpoint_after_commas()
    {
        Assert.True(ListenSpec.TryParse("tcp/[::]:443,v6only,reuseport,backlog=128", out var spec, out _));
        Assert.Equal(BindOptions.ReuseAddress | BindOptions.V6Only | BindOptions.ReusePort, spec.Options);
        Assert.Equal(128, spec.Backlog);
    }

    [Fact]
    public void A_udp_endpoint_has_no_options_unless_asked()
    {
        Assert.True(ListenSpec.TryParse("udp/[::1]:53,reuseport", out var spec, out _));
        Assert.Equal(BindOptions.ReusePort, spec.Options);
    }

    [Theory]
    [InlineData("tcp/80,backlog=0", "backlog '0' is not a positive number")]
    [InlineData("tcp/80,backlog", "unknown option 'backlog'")]
    [InlineData("tcp/80,fast", "unknown option 'fast'")]
    [InlineData("tcp/80,v6only", "v6only applies to IPv6 addresses only")]
    [InlineData("udp/53,backlog=5", "backlog applies to tcp endpoints only")]
    [InlineData("http/80", "protocol 'http' is not tcp or udp")]
    public void Bad_specs_say_what_is_wrong(string text, string message)
    {
        Assert.False(ListenSpec.TryParse(text, out _, out string? error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
