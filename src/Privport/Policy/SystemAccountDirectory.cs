using Privport.Interop;

namespace Privport.Policy;

/// <summary>The host's accounts through NSS, so LDAP or sssd users resolve as they do for login.</summary>
internal sealed class SystemAccountDirectory : IAccountDirectory
{
    public uint? FindUid(string userName) => UserDatabase.FindUid(userName);

    public UserAccount? FindUser(uint uid) =>
        UserDatabase.FindUser(uid) is { } entry ? new UserAccount(entry.Name, uid, entry.Gid) : null;

    public uint? FindGid(string groupName) => UserDatabase.FindGid(groupName);

    public string? FindGroupName(uint gid) => UserDatabase.FindGroupName(gid);

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => UserDatabase.GroupsOf(userName, primaryGid);

    public IReadOnlyList<string> MemberNamesOf(uint gid) => UserDatabase.GroupMemberNames(gid);
}
