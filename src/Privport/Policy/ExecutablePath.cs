namespace Privport.Policy;

/// <summary>
/// A program named in a rule: the path as written and with its symlinks resolved. The kernel reports /proc/PID/exe
/// resolved (/usr/bin/python3 runs as /usr/bin/python3.11), so the resolved form is what a peer shows.
/// </summary>
internal sealed record ExecutablePath(string Written, string Resolved)
{
    public bool Matches(string executable) =>
        string.Equals(executable, Resolved, StringComparison.Ordinal) || string.Equals(executable, Written, StringComparison.Ordinal);

    public override string ToString() => Written == Resolved ? Written : $"{Written} -> {Resolved}";
}
