using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Privport.Interop;

namespace Privport.Launch;

/// <summary>The user a privileged launcher becomes: uid, primary gid, every supplementary group, home and shell, from NSS.</summary>
internal sealed record TargetAccount(string Name, uint Uid, uint Gid, uint[] Groups, string? Home, string? Shell = null)
{
    public bool IsRoot => Uid == 0;

    /// <summary>
    /// Resolves <paramref name="user"/> (a name or uid) and optionally <paramref name="group"/> (a name or gid) that
    /// replaces the user's primary group, as systemd's <c>User=</c> and <c>Group=</c> do.
    /// </summary>
    public static bool TryResolve(string user, string? group, [NotNullWhen(true)] out TargetAccount? account, [NotNullWhen(false)] out string? error)
    {
        account = null;
        try
        {
            return TryResolveThroughNss(user, group, out account, out error);
        }
        catch (SystemCallException e)
        {
            error = $"the user database could not answer for user '{user}'{(group is null ? "" : $" and group '{group}'")} ({e.Message}); the name service (sssd, LDAP) may not be up yet: try again shortly";
            return false;
        }
    }

    private static bool TryResolveThroughNss(string user, string? group, [NotNullWhen(true)] out TargetAccount? account, [NotNullWhen(false)] out string? error)
    {
        account = null;
        bool numeric = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid);
        PasswdEntry? entry = numeric ? UserDatabase.FindUser(uid) : UserDatabase.FindUser(user);
        if (entry is null && !numeric)
        {
            error = $"unknown user '{user}': no such account (getent passwd {user}); give an existing user name or uid";
            return false;
        }

        if (entry is null && group is null)
        {
            error = $"uid {uid} has no entry in the user database (getent passwd {uid}), so its group is unknown: give --group too";
            return false;
        }

        string name = entry?.Name ?? user;
        uid = entry?.Uid ?? uid;
        uint primary = entry?.Gid ?? uint.MaxValue;
        if (group is not null)
        {
            if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
            {
                primary = gid;
            }
            else if (UserDatabase.FindGid(group) is { } found)
            {
                primary = found;
            }
            else
            {
                error = $"unknown group '{group}': no such group (getent group {group}); give an existing group name or gid";
                return false;
            }
        }

        uint[] groups = entry is not null ? UserDatabase.GroupsOf(name, primary) : [primary];
        account = new TargetAccount(name, uid, primary, groups, entry?.Home, entry?.Shell);
        error = null;
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} (uid {Uid}, gid {Gid}, groups {string.Join(',', Groups)})");
}
