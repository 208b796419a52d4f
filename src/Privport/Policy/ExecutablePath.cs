using Privport.Interop;

namespace Privport.Policy;

/// <summary>
/// A program named in a rule: the path as written and with its symlinks resolved at load. A peer matches when the
/// file it executes is the file either path leads to now, in the broker's own mount namespace (same device and
/// inode). Path names are not compared: a process in a mount namespace of its own decides what its paths show.
/// </summary>
internal sealed record ExecutablePath(string Written, string Resolved)
{
    /// <summary>
    /// Looked up at every decision, not cached at load: a package upgrade replaces the file (a new inode), and the
    /// new program must match as soon as it runs, while one still running the replaced file must not.
    /// </summary>
    public bool Matches(FileIdentity executable) =>
        FileIdentity.TryRead(Written) == executable || (Resolved != Written && FileIdentity.TryRead(Resolved) == executable);

    public override string ToString() => Written == Resolved ? Written : $"{Written} -> {Resolved}";
}
