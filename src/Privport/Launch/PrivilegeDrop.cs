using Privport.Client.Interop;
using static Privport.Client.Interop.Interop.Libc;

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
    /// <exception cref="SystemCallException">A step failed; the process must not go on.</exception>
    public static void Apply(TargetAccount account, bool keepBindCapability = false)
    {
        ulong keep = keepBindCapability ? 1UL << CAP_NET_BIND_SERVICE : 0;

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
