using System.Collections.Immutable;

namespace Privport.Forwarding;

/// <summary>Everything one <c>privport forward</c> process runs with, parsed and checked.</summary>
/// <param name="MaxConnections">Open TCP connections plus UDP flows at most; 0 is no limit.</param>
/// <param name="IdleTimeout">A connection or flow idle this long is closed; null keeps TCP connections open (UDP flows then expire after <see cref="DefaultUdpFlowTimeout"/>).</param>
/// <param name="Threads">Event-loop threads; 0 means one per CPU.</param>
/// <param name="Scheduling">The event-loop threads' scheduling policy.</param>
internal sealed record ForwardSettings(
    ImmutableArray<ForwardRule> Rules,
    string? User,
    string? Group,
    int MaxConnections,
    TimeSpan? IdleTimeout,
    TimeSpan DrainTimeout,
    int Threads,
    LoopScheduling Scheduling = LoopScheduling.Batch)
{
    public static readonly TimeSpan DefaultUdpFlowTimeout = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan UdpFlowTimeout => IdleTimeout ?? DefaultUdpFlowTimeout;
}
