using System.Globalization;
using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// Users and groups through NSS (getpwnam_r and friends), so LDAP or sssd accounts resolve as they do for login.
/// Null means the directory answered "no such entry"; a directory that could not answer (sssd or LDAP not up yet:
/// EIO, EAGAIN, ENOMEM, ...) throws <see cref="SystemCallException"/>, so a caller never mistakes an outage for an
/// unknown account.
/// </summary>
internal static class UserDatabase
{
    private const int InitialBufferSize = 16384;
    private const int MaxBufferSize = 1 << 24;

    public static uint? FindUid(string name) => FindUser(name)?.Uid;

    /// <summary>The account with <paramref name="uid"/>; null when there is none.</summary>
    public static unsafe PasswdEntry? FindUser(uint uid) => Lookup<PasswdEntry?>("getpwuid_r", (buffer, size) =>
    {
        passwd entry;
        passwd* result = null;
        int error = getpwuid_r(uid, &entry, (byte*)buffer, size, &result);
        return (error, result != null ? PasswdEntry.From(entry) : null);
    });

    /// <summary>The account named <paramref name="name"/>; null when there is none.</summary>
    public static unsafe PasswdEntry? FindUser(string name) => HoldsNul(name) ? null : Lookup<PasswdEntry?>("getpwnam_r", (buffer, size) =>
    {
        passwd entry;
        passwd* result = null;
        int error = getpwnam_r(name, &entry, (byte*)buffer, size, &result);
        return (error, result != null ? PasswdEntry.From(entry) : null);
    });

    public static unsafe uint? FindGid(string name) => HoldsNul(name) ? null : Lookup<uint?>("getgrnam_r", (buffer, size) =>
    {
        group entry;
        group* result = null;
        int error = getgrnam_r(name, &entry, (byte*)buffer, size, &result);
        return (error, result != null ? entry.gr_gid : null);
    });

    public static unsafe string? FindGroupName(uint gid) => Lookup("getgrgid_r", (buffer, size) =>
    {
        group entry;
        group* result = null;
        int error = getgrgid_r(gid, &entry, (byte*)buffer, size, &result);
        return (error, result != null ? Marshal.PtrToStringUTF8((nint)entry.gr_name) : null);
    });

    /// <summary>The user names listed as members of the group (gr_mem); empty when the group is unknown.</summary>
    public static unsafe string[] GroupMemberNames(uint gid) => Lookup("getgrgid_r", (buffer, size) =>
    {
        group entry;
        group* result = null;
        int error = getgrgid_r(gid, &entry, (byte*)buffer, size, &result);
        var names = new List<string>();
        for (byte** member = result != null ? entry.gr_mem : null; member != null && *member != null; member++)
        {
            names.Add(Marshal.PtrToStringUTF8((nint)(*member))!);
        }

        return (error, names.ToArray());
    });

    /// <summary>C would read the name only up to the NUL and answer for another account; no account has such a name.</summary>
    private static bool HoldsNul(string name) => name.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// Runs one reentrant lookup with a buffer that grows while it answers ERANGE (a group with thousands of members
    /// needs more than the first), reading the answer while the buffer still holds the strings it points into.
    /// </summary>
    private static unsafe T Lookup<T>(string function, Func<nint, nuint, (int Error, T Answer)> call)
    {
        for (int size = InitialBufferSize; ; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                var (error, answer) = call((nint)buffer, (nuint)size);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered(function, error);
                    return answer;
                }
            }

            if (size >= MaxBufferSize)
            {
                throw new SystemCallException(function, ERANGE);
            }
        }
    }

    /// <summary>
    /// getpwnam(3) NOTES: besides 0 with a null result, ENOENT, ESRCH, EBADF and EPERM are what NSS modules return
    /// for "not found". Anything else means the directory did not answer, which a retry may change.
    /// </summary>
    private static void ThrowUnlessAnswered(string function, int error)
    {
        if (error is not (0 or ENOENT or ESRCH or EBADF or EPERM))
        {
            throw new SystemCallException(function, error);
        }
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
