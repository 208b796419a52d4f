using System.Globalization;
using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>Users and groups through NSS (getpwnam_r and friends), so LDAP or sssd accounts resolve as they do for login.</summary>
internal static class UserDatabase
{
    private const int InitialBufferSize = 16384;
    private const int MaxBufferSize = 1 << 24;

    public static uint? FindUid(string name) => FindUser(name)?.Uid;

    /// <summary>The account with <paramref name="uid"/>; null when there is none.</summary>
    public static unsafe PasswdEntry? FindUser(uint uid)
    {
        passwd entry;
        passwd* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                if (getpwuid_r(uid, &entry, buffer, (nuint)size, &result) != ERANGE)
                {
                    return result != null ? PasswdEntry.From(entry) : null;
                }
            }
        }

        return null;
    }

    /// <summary>The account named <paramref name="name"/>; null when there is none.</summary>
    public static unsafe PasswdEntry? FindUser(string name)
    {
        passwd entry;
        passwd* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                if (getpwnam_r(name, &entry, buffer, (nuint)size, &result) != ERANGE)
                {
                    return result != null ? PasswdEntry.From(entry) : null;
                }
            }
        }

        return null;
    }

    public static unsafe uint? FindGid(string name)
    {
        group entry;
        group* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            // Groups with thousands of members need more than the first buffer: ERANGE asks for a larger one.
            fixed (byte* buffer = new byte[size])
            {
                if (getgrnam_r(name, &entry, buffer, (nuint)size, &result) != ERANGE)
                {
                    return result != null ? entry.gr_gid : null;
                }
            }
        }

        return null;
    }

    public static unsafe string? FindGroupName(uint gid)
    {
        group entry;
        group* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                if (getgrgid_r(gid, &entry, buffer, (nuint)size, &result) != ERANGE)
                {
                    return result != null ? Marshal.PtrToStringUTF8((nint)entry.gr_name) : null;
                }
            }
        }

        return null;
    }

    /// <summary>The user names listed as members of the group (gr_mem); empty when the group is unknown.</summary>
    public static unsafe string[] GroupMemberNames(uint gid)
    {
        group entry;
        group* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                if (getgrgid_r(gid, &entry, buffer, (nuint)size, &result) != ERANGE)
                {
                    if (result == null)
                    {
                        return [];
                    }

                    var names = new List<string>();
                    for (byte** member = entry.gr_mem; member != null && *member != null; member++)
                    {
                        names.Add(Marshal.PtrToStringUTF8((nint)(*member))!);
                    }

                    return [.. names];
                }
            }
        }

        return [];
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
