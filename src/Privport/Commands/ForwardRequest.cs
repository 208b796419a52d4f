namespace Privport.Commands;

/// <summary>What <c>privport forward</c> was asked for on its command line, before parsing.</summary>
internal sealed record ForwardRequest(
    IReadOnlyList<string> Pairs,
    string? ConfigPath,
    string? User,
    string? Group,
    string? ProxyProtocol,
    int? MaxConnections,
    string? IdleTimeout,
    string? DrainTimeout,
    int? Threads,
    string? SocketPath,
    string? MetricsAddress = null,
    string? Scheduling = null);
