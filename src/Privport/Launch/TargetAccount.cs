using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Privport.Client.Interop;

namespace Privport.Launch;

/// <summary>The user a privileged launcher becomes: uid, primary gid and every supplementary group, from NSS.</summary>
internal sealed record TargetAccount(string Name, uint Uid, uint Gid, uint[] Groups, string? Home)
{
    public bool IsRoot => Uid == 0;

    /// <summary>
    /// Resolves <paramref name="user"/> (a name or uid) and optionally <paramref name="group"/> (a name or gid) that
    /// replaces the user's primary group, as systemd's <c>User=</c> and <c>Group=</c> do.
    /// </summary>
    public static bool TryResolve(string user, string? group, [NotNullWhen(true)] out TargetAccount? account, [NotNullWhen(false)] out string? error)
    {
        account = null;
        string name;
        uint uid;
        uint primary;
        if (uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            if (UserDatabase.FindUser(uid) is { } entry)
            {
                (name, primary) = entry;
            }
            else if (group is null)
            {
                error = $"uid {uid} has no entry in the user database (getent passwd {uid}), so its group is unknown: give --group too";
                return false;
            }
            else
            {
                (name, primary) = (user, uint.MaxValue);
            }
        }
        else if (UserDatabase.FindUid(user) is { } found && UserDatabase.FindUser(found) is { } entry)
        {
            (uid, name, primary) = (found, entry.Name, entry.Gid);
        }
        else
        {
            error = $"unknown user '{user}': no such account (getent passwd {user}); give an existing user name or uid";
            return false;
        }

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

        string? home = UserDatabase.FindHome(uid);
        uint[] groups = home is not null ? UserDatabase.GroupsOf(name, primary) : [primary];
        account = new TargetAccount(name, uid, primary, groups, home);
        error = null;
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} (uid {Uid}, gid {Gid}, groups {string.Join(',', Groups)})");
}
