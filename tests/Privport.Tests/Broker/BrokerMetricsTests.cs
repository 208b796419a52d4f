using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Tests.Infrastructure;
using Privport.Tests.Metrics;

namespace Privport.Tests.Broker;

/// <summary><c>privport serve --metrics</c>, scraped over HTTP as Prometheus would. Ports 768-769 belong to this class.</summary>
public sealed class BrokerMetricsTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root768"
        users = ["0"]
        ports = ["tcp/768"]
        """;

    [Fact]
    public async Task A_scrape_is_prometheus_text_with_grants_denials_errors_and_grant_latency()
    {
        Privilege.RequireRoot();
        int port = FreeLoopbackPort();
        await using var broker = BrokerProcess.Start(privport, Policy, ["--metrics", $"127.0.0.1:{port}"]);
        await broker.WaitUntilListeningAsync();
        var client = new PrivportClient(broker.SocketPath);
        using (await client.BindAsync(Endpoint.Parse("tcp/127.0.0.1:768"), cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:769"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal("counter", scrape.TypeOf("privport_grants_total"));
        Assert.Equal("counter", scrape.TypeOf("privport_denials_total"));
        Assert.Equal("counter", scrape.TypeOf("privport_errors_total"));
        Assert.Equal(1, scrape.Value("privport_grants_total", ("op", "OPEN"), ("rule", "root768")));
        Assert.Equal(1, scrape.Value("privport_denials_total", ("op", "QUERY")));
        var buckets = scrape.Buckets("privport_grant_duration_seconds", ("op", "OPEN"));
        Assert.Equal(1, buckets[^1].Count);
        Assert.InRange(scrape.Value("privport_grant_duration_seconds_sum", ("op", "OPEN")), 0, 5);
    }

    [Fact]
    public async Task A_metrics_address_that_is_not_address_colon_port_is_a_usage_error()
    {
        var result = await Run.AsRootAsync(privport.Executable, "serve", "--metrics", "localhost:9464", "--socket", "/nonexistent/s.sock");

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("'localhost' in 'localhost:9464' is not an IP address", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_busy_metrics_port_stops_the_broker_with_the_reason()
    {
        Privilege.RequireRoot();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        await using var broker = BrokerProcess.Start(privport, Policy, ["--metrics", $"127.0.0.1:{port}"]);

        Assert.Equal(70, await broker.Process.WaitForExitAsync());
        Assert.Contains($"cannot serve metrics on 127.0.0.1:{port}", broker.Process.Stderr, StringComparison.Ordinal);
    }

    internal static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
