namespace Privport.Policy;

/// <summary>
/// Users and groups by name and id. The system implementation asks NSS; tests pass their own, so policy parsing
/// does not depend on the host's /etc/passwd.
/// </summary>
internal interface IAccountDirectory
{
    public uint? FindUid(string userName);

    /// <summary>The account with this uid (its name and primary group), or null when it has no passwd entry.</summary>
    public UserAccount? FindUser(uint uid);

    public uint? FindGid(string groupName);

    public string? FindGroupName(uint gid);

    /// <summary>Every group the user belongs to, the primary one included.</summary>
    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid);

    /// <summary>
    /// The user names the group database lists as members of the group (<c>gr_mem</c>); users whose primary group it
    /// is are not listed there. Empty when the group is unknown.
    /// </summary>
    public IReadOnlyList<string> MemberNamesOf(uint gid);
}
