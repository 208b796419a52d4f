using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Becomes another user for good, as OpenSSH's privilege separation does: the target's groups, gid and uid (real,
/// effective and saved), every capability set emptied (bounding and ambient included) and no_new_privs, so neither
/// this process nor anything it executes can become root again.
/// </summary>
internal static class PrivilegeDrop
{
    /// <summary>
    /// Drops to <paramref name="account"/>. With <paramref name="keepBindCapability"/> the process keeps
    /// CAP_NET_BIND_SERVICE alone, also as an ambient capability so it survives execve (systemd's
    /// <c>AmbientCapabilities=CAP_NET_BIND_SERVICE</c>). Capabilities and no_new_privs are per thread: the caller
    /// must exec from the thread that called this.
    /// </summary>
    /// <exception cref="PrivilegeDropException">The bounding set cannot be emptied; nothing was changed.</exception>
    /// <exception cref="SystemCallException">A step failed; the process must not go on.</exception>
    public static void Apply(TargetAccount account, bool keepBindCapability = false)
    {
        ulong keep = keepBindCapability ? 1UL << CAP_NET_BIND_SERVICE : 0;
        RequireBoundingSetDrop(account, keep);

        // Groups and gid first: once the uid is dropped, the right to change them is gone.
        ProcessCredentials.SetGroups(account.Groups);
        ProcessCredentials.SetGid(account.Gid);
        ProcessCredentials.LimitBoundingSet(keep);
        if (keepBindCapability)
        {
            ProcessCredentials.KeepCapabilitiesAcrossUidChange();
        }

        ProcessCredentials.SetUid(account.Uid);
        ProcessCredentials.SetCapabilities(keep);
        ProcessCredentials.SetAmbient(keep);
        ProcessCredentials.SetNoNewPrivileges();
        Verify(account);
    }

    /// <summary>
    /// Emptying the bounding set takes CAP_SETPCAP whenever anything is left in it to drop. A systemd unit's
    /// CapabilityBoundingSet= without it (or setpriv --bounding-set) would otherwise fail half-way with a bare EPERM.
    /// </summary>
    private static void RequireBoundingSetDrop(TargetAccount account, ulong keep)
    {
        ulong drop = ProcessCredentials.BoundingSet() & ~keep;
        if (drop != 0 && (ProcessCredentials.Capabilities().Effective & (1UL << CAP_SETPCAP)) == 0)
        {
            throw new PrivilegeDropException(
                $"the capability bounding set holds {CapabilityNames.Of(drop)}, which privport removes before running as {account}, "
                + "and removing them takes CAP_SETPCAP, which this process does not have. Add CAP_SETPCAP to the unit's "
                + "CapabilityBoundingSet= (or to setpriv --bounding-set), or start privport without the capabilities it would drop");
        }
    }

    private static void Verify(TargetAccount account)
    {
        var uids = ProcessCredentials.Uids();
        var gids = ProcessCredentials.Gids();
        bool held = uids == (account.Uid, account.Uid, account.Uid) && gids == (account.Gid, account.Gid, account.Gid)
            && (account.IsRoot || !ProcessCredentials.CanRegainRoot());
        if (!held)
        {
            // Going on would run the target with more privilege than the admin asked for.
            Environment.FailFast($"privport: the privilege drop to {account} did not hold (uids {uids}, gids {gids})");
        }
    }
}
