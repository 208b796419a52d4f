namespace Privport.Commands;

/// <summary>The arguments of <c>privport exec</c>, as typed on the command line.</summary>
internal sealed record ExecRequest(
    IReadOnlyList<string> Ports,
    IReadOnlyList<string> Names,
    string? User,
    string? Group,
    string? SocketPath,
    bool KeepCapabilities,
    IReadOnlyList<string> Command)
{
    /// <summary>Let the program share the caller's session and terminal (no detaching, no relay).</summary>
    public bool KeepTerminal { get; init; }

    /// <summary>Names of the caller's variables to pass on when the environment is reset.</summary>
    public IReadOnlyList<string> KeepEnvironment { get; init; } = [];

    /// <summary>NAME=VALUE assignments for the program's environment.</summary>
    public IReadOnlyList<string> SetEnvironment { get; init; } = [];
}
