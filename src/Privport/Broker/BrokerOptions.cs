namespace Privport.Broker;

/// <summary>What <c>privport serve</c> was told: where to listen, which policy, where to audit, how long to wait.</summary>
/// <param name="Caps">Connection caps; left default, they are derived from the descriptor limit in force.</param>
internal sealed record BrokerOptions(
    string SocketPath,
    string PolicyPath,
    string? AuditPath,
    TimeSpan ClientTimeout,
    ConnectionCaps Caps = default);
