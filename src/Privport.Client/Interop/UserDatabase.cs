using System.Runtime.InteropServices;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Client.Interop;

/// <summary>Users and groups through NSS (getpwnam_r and friends), so LDAP or sssd accounts resolve as they do for login.</summary>
internal static class UserDatabase
{
    private const int BufferSize = 16384;

    public static unsafe uint? FindUid(string name)
    {
        passwd entry;
        passwd* result;
        byte* buffer = stackalloc byte[BufferSize];
        int error = getpwnam_r(name, &entry, buffer, BufferSize, &result);
        return error == 0 && result != null ? entry.pw_uid : null;
    }

    public static unsafe (string Name, uint Gid)? FindUser(uint uid)
    {
        passwd entry;
        passwd* result;
        byte* buffer = stackalloc byte[BufferSize];
        int error = getpwuid_r(uid, &entry, buffer, BufferSize, &result);
        return error == 0 && result != null ? (Marshal.PtrToStringUTF8((nint)entry.pw_name) ?? uid.ToString(), entry.pw_gid) : null;
    }

    public static unsafe uint? FindGid(string name)
    {
        group entry;
        group* result;
        byte* buffer = stackalloc byte[BufferSize];
        int error = getgrnam_r(name, &entry, buffer, BufferSize, &result);
        return error == 0 && result != null ? entry.gr_gid : null;
    }

    public static unsafe string? FindGroupName(uint gid)
    {
        group entry;
        group* result;
        byte* buffer = stackalloc byte[BufferSize];
        int error = getgrgid_r(gid, &entry, buffer, BufferSize, &result);
        return error == 0 && result != null ? Marshal.PtrToStringUTF8((nint)entry.gr_name) : null;
    }

    /// <summary>The groups a user belongs to: the primary group and every supplementary one.</summary>
    public static unsafe uint[] GroupsOf(string user, uint primaryGid)
    {
        int count = 64;
        while (true)
        {
            var groups = new uint[count];
            fixed (uint* raw = groups)
            {
                int n = count;
                if (getgrouplist(user, primaryGid, raw, &n) >= 0)
                {
                    return groups[..n];
                }

                count = Math.Max(n, count * 2);
            }
        }
    }
}
