namespace Privport.HostFacts;

/// <summary>
/// Read-only commands some facts come only from (<c>semanage port -l</c>, <c>nft list ruleset</c>,
/// <c>iptables-save -t nat</c>); tests give fixed outputs.
/// </summary>
internal interface IHostCommands
{
    /// <summary>The command's standard output, or null when it is not installed or fails.</summary>
    public string? Run(string program, params string[] arguments);
}
