namespace Privport.Commands;

/// <summary>The arguments of <c>privport exec</c>, as typed on the command line.</summary>
internal sealed record ExecRequest(
    IReadOnlyList<string> Ports,
    IReadOnlyList<string> Names,
    string? User,
    string? Group,
    string? SocketPath,
    bool KeepCapabilities,
    IReadOnlyList<string> Command);
