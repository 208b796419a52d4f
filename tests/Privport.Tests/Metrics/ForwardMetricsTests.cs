using Privport.Metrics;
using Prometheus;

namespace Privport.Tests.Metrics;

/// <summary>The forwarder's metrics, exported by the same library the endpoint serves them with.</summary>
public sealed class ForwardMetricsTests
{
    [Fact]
    public async Task Connections_bytes_and_errors_are_counted_per_listener_and_side()
    {
        var metrics = new ForwardMetrics();
        metrics.Opened("tcp/80");
        metrics.Opened("tcp/80");
        metrics.Closed("tcp/80");
        metrics.Transferred("tcp/80", ForwardSide.Client, 100);
        metrics.Transferred("tcp/80", ForwardSide.Target, 2500);
        metrics.Failed("tcp/80", ForwardSide.Target);

        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
        var scrape = PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray()));

        Assert.Equal(2, scrape.Value("privport_forward_connections_total", ("listen", "tcp/80")));
        Assert.Equal(1, scrape.Value("privport_forward_connections_open", ("listen", "tcp/80")));
        Assert.Equal(100, scrape.Value("privport_forward_bytes_total", ("listen", "tcp/80"), ("side", "client")));
        Assert.Equal(2500, scrape.Value("privport_forward_bytes_total", ("listen", "tcp/80"), ("side", "target")));
        Assert.Equal(1, scrape.Value("privport_forward_errors_total", ("listen", "tcp/80"), ("side", "target")));
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
    public void Bad_metrics_addresses_say_what_is_wrong(string text, string expected)
    {
        Assert.False(MetricsAddress.TryParse(text, out _, out string? problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
