using System.Net;
using Prometheus;

namespace Privport.Metrics;

/// <summary>
/// Serves one registry's metrics in the Prometheus text format at <c>http://ADDRESS:PORT/metrics</c>, with
/// prometheus-net's own HttpListener server. Each command that takes <c>--metrics</c> starts one.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, MetricsAddress address)
    {
        _server = server;
        Address = address;
    }

    public MetricsAddress Address { get; }

    /// <summary>Starts serving; throws <see cref="MetricsStartException"/> saying why it cannot.</summary>
    public static MetricsEndpoint Start(MetricsAddress address, CollectorRegistry registry)
    {
        var server = new MetricServer(address.Host, address.Port, "metrics/", registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException e)
        {
            server.Dispose();
            throw new MetricsStartException(
                $"cannot serve metrics on {address}: {e.Message}. Choose a free port, on an address of this machine, for --metrics.", e);
        }

        return new MetricsEndpoint(server, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}
