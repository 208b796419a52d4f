using Privport.Forwarding;
using Privport.Metrics;
using Privport.Tests.Metrics;
using Prometheus;

namespace Privport.Tests.Forwarding;

/// <summary>The forwarder's metrics, exported by the same library the endpoint serves them with.</summary>
public sealed class ForwardMetricsTests
{
    [Fact]
    public async Task Connections_bytes_and_errors_are_read_per_listener_and_side_at_each_scrape()
    {
        var web = new ForwarderStatistics();
        var dns = new ForwarderStatistics();
        var metrics = new ForwardMetrics([("tcp/80 -> 127.0.0.1:8080", web), ("udp/53 -> 127.0.0.1:5353", dns)]);
        web.CountAccepted();
        web.Opened();
        web.CountAccepted();
        web.Opened();
        web.Closed();
        web.AddClientToBackend(100);
        web.AddBackendToClient(2500);
        web.CountBackendUnreachable();
        dns.CountUdpFlow();
        dns.CountUdpDatagramClientToBackend(40);

        var first = await ScrapeAsync(metrics);
        web.AddBackendToClient(500);
        var second = await ScrapeAsync(metrics);

        const string Web = "tcp/80 -> 127.0.0.1:8080";
        Assert.Equal("counter", first.TypeOf("privport_forward_connections_total"));
        Assert.Equal(2, first.Value("privport_forward_connections_total", ("listen", Web)));
        Assert.Equal(1, first.Value("privport_forward_connections_open", ("listen", Web)));
        Assert.Equal(100, first.Value("privport_forward_bytes_total", ("listen", Web), ("side", "client")));
        Assert.Equal(2500, first.Value("privport_forward_bytes_total", ("listen", Web), ("side", "target")));
        Assert.Equal(1, first.Value("privport_forward_errors_total", ("listen", Web), ("side", "target")));
        Assert.Equal(1, first.Value("privport_forward_udp_flows_total", ("listen", "udp/53 -> 127.0.0.1:5353")));
        Assert.Equal(3000, second.Value("privport_forward_bytes_total", ("listen", Web), ("side", "target")));
        Assert.Equal(2, second.Value("privport_forward_connections_total", ("listen", Web)));
    }

    private static async Task<PrometheusText> ScrapeAsync(ForwardMetrics metrics)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
        return PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray()));
    }

    [Theory]
    [InlineData("127.0.0.1:9464", "127.0.0.1", 9464)]
    [InlineData("[::1]:9464", "[::1]", 9464)]
    public void Metrics_addresses_parse(string text, string host, int port)
    {
        Assert.True(MetricsAddress.TryParse(text, out var address, out string? problem), problem);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("9464", "is not ADDRESS:PORT")]
    [InlineData("127.0.0.1:0", "is not a port from 1 to 65535")]
    [InlineData("127.0.0.1:70000", "is not a port from 1 to 65535")]
    [InlineData("example.org:80", "is not an IP address")]
    [InlineData("127.1:9464", "'127.1' in '127.1:9464' is not an IP address")]
    [InlineData("::1:9464", "'::1' in '::1:9464' is not an IP address")]
    [InlineData("[::1:9464", "is not ADDRESS:PORT")]
    public void Bad_metrics_addresses_say_what_is_wrong(string text, string expected)
    {
        Assert.False(MetricsAddress.TryParse(text, out _, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
