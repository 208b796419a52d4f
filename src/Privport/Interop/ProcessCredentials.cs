using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>The process's user, groups and capabilities: typed wrappers over set*id, capset and prctl.</summary>
internal static class ProcessCredentials
{
    public static unsafe void SetGroups(ReadOnlySpan<uint> groups)
    {
        fixed (uint* list = groups)
        {
            Check(setgroups((nuint)groups.Length, list), "setgroups");
        }
    }

    public static void SetGid(uint gid) => Check(setresgid(gid, gid, gid), "setresgid");

    public static void SetUid(uint uid) => Check(setresuid(uid, uid, uid), "setresuid");

    /// <summary>Tries to become root again; true would mean the drop did not hold.</summary>
    public static bool CanRegainRoot() => setresuid(0, 0, 0) == 0;

    public static unsafe (uint Real, uint Effective, uint Saved) Uids()
    {
        uint r, e, s;
        Check(getresuid(&r, &e, &s), "getresuid");
        return (r, e, s);
    }

    public static unsafe (uint Real, uint Effective, uint Saved) Gids()
    {
        uint r, e, s;
        Check(getresgid(&r, &e, &s), "getresgid");
        return (r, e, s);
    }

    /// <summary>The calling thread's capability bounding set, one bit per capability.</summary>
    public static ulong BoundingSet()
    {
        ulong present = 0;
        for (int capability = 0; capability < 64; capability++)
        {
            // EINVAL marks the first capability this kernel does not know: the set ends there.
            int held = prctl(PR_CAPBSET_READ, (nuint)capability, 0, 0, 0);
            if (held < 0)
            {
                break;
            }

            if (held == 1)
            {
                present |= 1UL << capability;
            }
        }

        return present;
    }

    /// <summary>
    /// Removes from the calling thread's bounding set every capability in it that is not in <paramref name="keep"/>.
    /// Only those present are dropped: PR_CAPBSET_DROP needs CAP_SETPCAP even for a capability already gone.
    /// </summary>
    public static void LimitBoundingSet(ulong keep)
    {
        ulong drop = BoundingSet() & ~keep;
        for (int capability = 0; capability < 64; capability++)
        {
            if ((drop & (1UL << capability)) != 0)
            {
                Check(prctl(PR_CAPBSET_DROP, (nuint)capability, 0, 0, 0), "prctl PR_CAPBSET_DROP");
            }
        }
    }

    /// <summary>Keeps the permitted set across the coming setresuid (cleared again by execve).</summary>
    public static void KeepCapabilitiesAcrossUidChange() => Check(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl PR_SET_KEEPCAPS");

    /// <summary>Sets the calling thread's effective, permitted and inheritable sets to <paramref name="mask"/>.</summary>
    public static unsafe void SetCapabilities(ulong mask)
    {
        var header = new __user_cap_header_struct { version = _LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc __user_cap_data_struct[_LINUX_CAPABILITY_U32S_3];
        for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        {
            uint word = (uint)(mask >> (32 * i));
            data[i] = new __user_cap_data_struct { effective = word, permitted = word, inheritable = word };
        }

        Check(capset(&header, data), "capset");
    }

    public static unsafe (ulong Effective, ulong Permitted, ulong Inheritable) Capabilities()
    {
        var header = new __user_cap_header_struct { version = _LINUX_CAPABILITY_VERSION_3 };
        var data = stackalloc __user_cap_data_struct[_LINUX_CAPABILITY_U32S_3];
        Check(capget(&header, data), "capget");
        return (Join(data[0].effective, data[1].effective), Join(data[0].permitted, data[1].permitted),
            Join(data[0].inheritable, data[1].inheritable));
    }

    /// <summary>Replaces the ambient set with <paramref name="mask"/> (each bit must be permitted and inheritable).</summary>
    public static void SetAmbient(ulong mask)
    {
        Check(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl PR_CAP_AMBIENT_CLEAR_ALL");
        for (int capability = 0; capability < 64; capability++)
        {
            if ((mask & (1UL << capability)) != 0)
            {
                Check(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (nuint)capability, 0, 0), "prctl PR_CAP_AMBIENT_RAISE");
            }
        }
    }

    public static void SetNoNewPrivileges() => Check(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl PR_SET_NO_NEW_PRIVS");

    public static bool NoNewPrivileges() => prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;

    private static ulong Join(uint low, uint high) => low | ((ulong)high << 32);

    private static void Check(int result, string syscall)
    {
        if (result < 0)
        {
            throw SystemCallException.FromLastError(syscall);
        }
    }
}
