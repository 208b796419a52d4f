using Privport.Interop;

namespace Privport.Policy;

/// <summary>
/// The host's accounts through NSS, so LDAP or sssd users resolve as they do for login. A lookup the name service
/// could not answer throws <see cref="NameServiceUnavailableException"/>; only "no such entry" reads as unknown.
/// </summary>
internal sealed class SystemAccountDirectory : IAccountDirectory
{
    public uint? FindUid(string userName) => Ask($"user '{userName}'", () => UserDatabase.FindUid(userName));

    public UserAccount? FindUser(uint uid) => Ask($"uid {uid}", () =>
        UserDatabase.FindUser(uid) is { } entry ? new UserAccount(entry.Name, uid, entry.Gid) : null);

    public uint? FindGid(string groupName) => Ask($"group '{groupName}'", () => UserDatabase.FindGid(groupName));

    public string? FindGroupName(uint gid) => Ask($"gid {gid}", () => UserDatabase.FindGroupName(gid));

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => UserDatabase.GroupsOf(userName, primaryGid);

    public IReadOnlyList<string> MemberNamesOf(uint gid) => Ask($"group {gid}'s members", () => UserDatabase.GroupMemberNames(gid));

    private static T Ask<T>(string lookup, Func<T> lookUp)
    {
        try
        {
            return lookUp();
        }
        catch (SystemCallException e)
        {
            throw new NameServiceUnavailableException(lookup, e);
        }
    }
}
