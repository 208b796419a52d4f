using Prometheus;
using Privport.Forwarding;

namespace Privport.Forwarding;

/// <summary>
/// A forwarder's traffic as Prometheus metrics, read from each listener's <see cref="ForwarderStatistics"/> when
/// scraped, so the event loops pay nothing for them: connections per listener, bytes and errors per side ("client" is
/// the accepted connection, "target" the one the forwarder opens).
/// </summary>
internal sealed class ForwardMetrics
{
    private readonly IReadOnlyList<(string Listen, ForwarderStatistics Statistics)> _listeners;
    private readonly Counter _connections;
    private readonly Gauge _open;
    private readonly Counter _refused;
    private readonly Counter _bytes;
    private readonly Counter _errors;
    private readonly Counter _idleTimeouts;
    private readonly Counter _udpFlows;
    private readonly Lock _gate = new();

    public ForwardMetrics(IReadOnlyList<(string Listen, ForwarderStatistics Statistics)> listeners)
    {
        _listeners = listeners;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _connections = factory.CreateCounter("privport_forward_connections_total", "TCP connections accepted and forwarded, by listener", "listen");
        _open = factory.CreateGauge("privport_forward_connections_open", "TCP connections and UDP flows being forwarded now, by listener", "listen");
        _refused = factory.CreateCounter("privport_forward_connections_refused_total", "Connections and flows turned away at the connection limit, by listener", "listen");
        _bytes = factory.CreateCounter("privport_forward_bytes_total", "Bytes read from each side, by listener and side", "listen", "side");
        _errors = factory.CreateCounter("privport_forward_errors_total", "Connections that failed, by listener and the side that failed", "listen", "side");
        _idleTimeouts = factory.CreateCounter("privport_forward_idle_timeouts_total", "Connections closed for being idle, by listener", "listen");
        _udpFlows = factory.CreateCounter("privport_forward_udp_flows_total", "UDP flows created, by listener", "listen");
        Registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    private void Refresh()
    {
        // Scrapes may overlap; each brings the counters up to the statistics' current values exactly once.
        lock (_gate)
        {
            foreach (var (listen, statistics) in _listeners)
            {
                Advance(_connections.WithLabels(listen), statistics.Accepted);
                _open.WithLabels(listen).Set(statistics.Active);
                Advance(_refused.WithLabels(listen), statistics.Refused);
                Advance(_bytes.WithLabels(listen, "client"), statistics.BytesClientToBackend);
                Advance(_bytes.WithLabels(listen, "target"), statistics.BytesBackendToClient);
                Advance(_errors.WithLabels(listen, "client"), statistics.ClientErrors);
                Advance(_errors.WithLabels(listen, "target"), statistics.BackendErrors + statistics.BackendUnreachable);
                Advance(_idleTimeouts.WithLabels(listen), statistics.IdleTimeouts);
                Advance(_udpFlows.WithLabels(listen), statistics.UdpFlows);
            }
        }
    }

    private static void Advance(Counter.Child counter, long total)
    {
        double behind = total - counter.Value;
        if (behind > 0)
        {
            counter.Inc(behind);
        }
    }
}
