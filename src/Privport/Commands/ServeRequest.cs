namespace Privport.Commands;

/// <summary>What <c>privport serve</c> was asked to do, as parsed from its command line.</summary>
internal sealed record ServeRequest(
    string PolicyPath,
    string SocketPath,
    string? AuditPath,
    int AuditLinesPerUid,
    double ClientTimeoutSeconds,
    string? MetricsAddress);
