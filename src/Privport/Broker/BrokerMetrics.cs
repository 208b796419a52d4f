using Prometheus;

namespace Privport.Broker;

/// <summary>The broker's decisions as Prometheus metrics, in a registry of their own (no process defaults).</summary>
internal sealed class BrokerMetrics
{
    private readonly Counter _grants;
    private readonly Counter _denials;
    private readonly Counter _errors;
    private readonly Histogram _grantLatency;
    private readonly Counter _kernelGrants;
    private readonly Gauge _kernelEventsDropped;
    private readonly Gauge _kernelEnrolments;

    public BrokerMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _grants = factory.CreateCounter("privport_grants_total", "Requests the policy allowed and the broker served, by op and rule", "op", "rule");
        _denials = factory.CreateCounter("privport_denials_total", "Requests the policy denied, by op", "op");
        _errors = factory.CreateCounter("privport_errors_total", "Requests that failed: malformed, or allowed but the bind failed", "op");
        _grantLatency = factory.CreateHistogram(
            "privport_grant_duration_seconds",
            "Time from reading a request to the granted reply, in seconds",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.00001, 2, 16), LabelNames = ["op"] });
        _kernelGrants = factory.CreateCounter("privport_kernel_grants_total", "Binds the kernel let through by a kernel grant, by rule (as audited from the event ring)", "rule");
        _kernelEventsDropped = factory.CreateGauge("privport_kernel_events_dropped", "Kernel grant events the ring had no room for since the pins were made: binds granted but not audited");
        _kernelEnrolments = factory.CreateGauge("privport_kernel_enrolments", "'privport wrap --kernel' enrolments the broker holds now");
    }

    public CollectorRegistry Registry { get; }

    public void Granted(string op, string rule, TimeSpan elapsed)
    {
        _grants.WithLabels(op, rule).Inc();
        _grantLatency.WithLabels(op).Observe(elapsed.TotalSeconds);
    }

    public void Denied(string op) => _denials.WithLabels(op).Inc();

    public void Failed(string op) => _errors.WithLabels(op).Inc();

    public void KernelGranted(string rule) => _kernelGrants.WithLabels(rule).Inc();

    public void KernelEventsDropped(ulong dropped) => _kernelEventsDropped.Set(dropped);

    public void KernelEnrolments(int count) => _kernelEnrolments.Set(count);
}
