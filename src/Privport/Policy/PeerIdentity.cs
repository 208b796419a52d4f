namespace Privport.Policy;

/// <summary>
/// Who asks: uid, gid and pid from the kernel (SO_PEERCRED), supplementary groups and executable from the process,
/// read through a pidfd so a recycled pid cannot stand in. <see cref="Exe"/> is null when it could not be read.
/// </summary>
internal sealed record PeerIdentity(uint Uid, uint Gid, IReadOnlyList<uint> Groups, int Pid, string? Exe)
{
    /// <summary>
    /// The cookie of the network namespace the peer connected from (its end of the connection was made there); null
    /// when the kernel cannot tell (before Linux 5.14).
    /// </summary>
    public ulong? NetworkNamespace { get; init; }

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
