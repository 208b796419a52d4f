using System.Net;
using Privport.Tests.Infrastructure;
using Privport.Tests.Broker;
using Privport.Tests.Metrics;

namespace Privport.Tests.Forwarding;

/// <summary><c>privport forward --metrics</c>, scraped over HTTP as Prometheus would. Port 753 belongs to this class.</summary>
public sealed class ForwardMetricsScrapeTests(StagedPrivport privport)
{
    [Fact]
    public async Task A_scrape_counts_the_connections_and_bytes_that_went_through()
    {
        Privilege.RequireRoot();
        int metricsPort = BrokerMetricsTests.FreeLoopbackPort();
        await using var echo = TcpBackend.Echo(IPAddress.Loopback);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "--metrics", $"127.0.0.1:{metricsPort}", "tcp/127.0.0.1:753", echo.Target);
        using (var client = await ForwardClient.ConnectAsync(IPAddress.Loopback, 753))
        {
            Assert.Equal("twelve bytes", await ForwardClient.EchoAsync(client, "twelve bytes"));
        }

        string rule = $"tcp/127.0.0.1:753 -> {echo.Target}";
        PrometheusText? scrape = null;
        using var http = new HttpClient();
        // The connection's end reaches the counters when the event loop sees it close.
        await Eventually.WaitUntilAsync(
            async () =>
            {
                scrape = PrometheusText.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), TestContext.Current.CancellationToken));
                return scrape.Value("privport_forward_connections_open", ("listen", rule)) == 0;
            },
            "the closed connection to leave the open gauge",
            10,
            () => forwarder.Stderr);

        Assert.Equal(1, scrape!.Value("privport_forward_connections_total", ("listen", rule)));
        Assert.Equal(0, scrape!.Value("privport_forward_connections_open", ("listen", rule)));
        Assert.Equal(12, scrape!.Value("privport_forward_bytes_total", ("listen", rule), ("side", "client")));
        Assert.Equal(12, scrape!.Value("privport_forward_bytes_total", ("listen", rule), ("side", "target")));
    }
}
