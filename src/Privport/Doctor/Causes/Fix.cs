namespace Privport.Doctor.Causes;

/// <summary>One way out: what to do, the exact commands for this host, and what it costs.</summary>
internal sealed record Fix(string Title, IReadOnlyList<string> Commands, string Tradeoff);
