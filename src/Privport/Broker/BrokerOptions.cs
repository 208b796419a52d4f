namespace Privport.Broker;

/// <summary>What <c>privport serve</c> was told: where to listen, which policy, where to audit, how long to wait.</summary>
internal sealed record BrokerOptions(
    string SocketPath,
    string PolicyPath,
    string? AuditPath,
    TimeSpan ClientTimeout,
    int MaxConnections = 1024,
    int MaxConnectionsPerUid = 128);
