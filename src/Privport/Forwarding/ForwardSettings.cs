using System.Collections.Immutable;

namespace Privport.Forwarding;

/// <summary>Everything one <c>privport forward</c> process runs with, parsed and checked.</summary>
/// <param name="MaxConnections">
/// Open TCP connections plus UDP flows at most; null derives the cap from the open-file limit
/// (<see cref="DescriptorBudget"/>), 0 is no limit (asked for explicitly, and warned about).
/// </param>
/// <param name="IdleTimeout">
/// A connection or flow idle this long is closed; null takes the defaults (<see cref="DefaultIdleTimeout"/> for TCP,
/// <see cref="DefaultUdpFlowTimeout"/> for UDP), zero keeps idle TCP connections open (asked for explicitly, and warned
/// about; UDP flows still expire after <see cref="DefaultUdpFlowTimeout"/>).
/// </param>
/// <param name="Threads">Event-loop threads; 0 means one per CPU.</param>
/// <param name="Scheduling">The event-loop threads' scheduling policy.</param>
internal sealed record ForwardSettings(
    ImmutableArray<ForwardRule> Rules,
    string? User,
    string? Group,
    int? MaxConnections,
    TimeSpan? IdleTimeout,
    TimeSpan DrainTimeout,
    int Threads,
    LoopScheduling Scheduling = LoopScheduling.Batch)
{
    /// <summary>
    /// Long enough for protocols that keep a connection alive with traffic of their own (HTTP keep-alive, SSH and
    /// MQTT keepalives, IMAP IDLE every few minutes), short enough that clients which just hold connections open
    /// give their descriptors back within minutes. Cloud TCP load balancers sit in the same range.
    /// </summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultUdpFlowTimeout = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a TCP connection may stay idle; zero is for ever.</summary>
    public TimeSpan TcpIdleTimeout => IdleTimeout ?? DefaultIdleTimeout;

    /// <summary>How long a UDP flow may stay idle; never for ever, as a flow has no end of its own.</summary>
    public TimeSpan UdpFlowTimeout => IdleTimeout is { } idle && idle > TimeSpan.Zero ? idle : DefaultUdpFlowTimeout;
}
