using Privport.Interop;
using Privport.HostFacts;

namespace Privport.Policy;

/// <summary>
/// Who asks: uid, gid, pid and supplementary groups from the kernel (SO_PEERCRED, SO_PEERGROUPS), and the executable
/// read through a pidfd so a recycled pid cannot stand in. <see cref="Exe"/> is the path the kernel reports and
/// <see cref="ExeFile"/> the file actually executed; exe rules compare the file, and both are null when it could not
/// be read.
/// </summary>
internal sealed record PeerIdentity(uint Uid, uint Gid, IReadOnlyList<uint> Groups, int Pid, string? Exe, FileIdentity? ExeFile = null)
{
    /// <summary>
    /// A peer as <c>policy test</c> and the doctor imagine it, running <paramref name="executable"/>: the path as the
    /// kernel would report it (symlinks resolved) and the file it leads to on this host.
    /// </summary>
    public static PeerIdentity Running(uint uid, uint gid, IReadOnlyList<uint> groups, string? executable) =>
        executable is null
            ? new PeerIdentity(uid, gid, groups, Pid: 0, Exe: null)
            : new PeerIdentity(uid, gid, groups, Pid: 0, RealPath.Resolve(executable) ?? executable, FileIdentity.TryRead(executable));

    /// <summary>
    /// The cookie of the network namespace the peer connected from (its end of the connection was made there); null
    /// when the kernel cannot tell (before Linux 5.14).
    /// </summary>
    public ulong? NetworkNamespace { get; init; }

    /// <summary>The executable was read, so exe rules can match it.</summary>
    public bool ExeFileKnown => ExeFile is not null;

    public bool IsInGroup(uint gid)
    {
        if (Gid == gid)
        {
            return true;
        }

        foreach (uint group in Groups)
        {
            if (group == gid)
            {
                return true;
            }
        }

        return false;
    }
}
