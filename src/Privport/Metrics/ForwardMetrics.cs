using Prometheus;

namespace Privport.Metrics;

/// <summary>
/// A forwarder's traffic as Prometheus metrics: connections per listener, bytes and errors per side
/// ("client" is the accepted connection, "target" the one the forwarder opens).
/// </summary>
internal sealed class ForwardMetrics
{
    private readonly Counter _connections;
    private readonly Gauge _open;
    private readonly Counter _bytes;
    private readonly Counter _errors;

    public ForwardMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _connections = factory.CreateCounter("privport_forward_connections_total", "Connections accepted, by listener", "listen");
        _open = factory.CreateGauge("privport_forward_connections_open", "Connections being forwarded now, by listener", "listen");
        _bytes = factory.CreateCounter("privport_forward_bytes_total", "Bytes read from each side, by listener and side", "listen", "side");
        _errors = factory.CreateCounter("privport_forward_errors_total", "Connections that failed, by listener and the side that failed", "listen", "side");
    }

    public CollectorRegistry Registry { get; }

    public void Opened(string listen)
    {
        _connections.WithLabels(listen).Inc();
        _open.WithLabels(listen).Inc();
    }

    public void Closed(string listen) => _open.WithLabels(listen).Dec();

    public void Transferred(string listen, ForwardSide side, long bytes) => _bytes.WithLabels(listen, SideName(side)).Inc(bytes);

    public void Failed(string listen, ForwardSide side) => _errors.WithLabels(listen, SideName(side)).Inc();

    private static string SideName(ForwardSide side) => side == ForwardSide.Client ? "client" : "target";
}
