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
    public static unsafe PasswdEntry? FindUser(uint uid)
    {
        passwd entry;
        passwd* result = null;
        for (int size = InitialBufferSize; size <= MaxBufferSize; size *= 4)
        {
            fixed (byte* buffer = new byte[size])
            {
                int error = getpwuid_r(uid, &entry, buffer, (nuint)size, &result);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered("getpwuid_r", error);
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
                int error = getpwnam_r(name, &entry, buffer, (nuint)size, &result);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered("getpwnam_r", error);
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
                int error = getgrnam_r(name, &entry, buffer, (nuint)size, &result);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered("getgrnam_r", error);
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
                int error = getgrgid_r(gid, &entry, buffer, (nuint)size, &result);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered("getgrgid_r", error);
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
                int error = getgrgid_r(gid, &entry, buffer, (nuint)size, &result);
                if (error != ERANGE)
                {
                    ThrowUnlessAnswered("getgrgid_r", error);
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
