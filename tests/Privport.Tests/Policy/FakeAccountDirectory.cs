using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>A fixed set of accounts, so tests do not depend on the host's /etc/passwd.</summary>
internal sealed class FakeAccountDirectory : IAccountDirectory
{
    public const uint Root = 0;
    public const uint WwwData = 33;
    public const uint Alice = 1001;
    public const uint Nobody = 65534;
    public const uint WebGroup = 2000;
    public const uint DnsGroup = 2001;

    private readonly Dictionary<string, UserAccount> _users = new(StringComparer.Ordinal)
    {
        ["root"] = new("root", Root, 0),
        ["www-data"] = new("www-data", WwwData, 33),
        ["alice"] = new("alice", Alice, 1001),
        ["nobody"] = new("nobody", Nobody, 65534),
    };

    private readonly Dictionary<string, uint> _groups = new(StringComparer.Ordinal)
    {
        ["root"] = 0,
        ["www-data"] = 33,
        ["alice"] = 1001,
        ["nogroup"] = 65534,
        ["web"] = WebGroup,
        ["dns"] = DnsGroup,
    };

    /// <summary>alice is also in web; nobody else has supplementary groups.</summary>
    private readonly Dictionary<string, uint[]> _supplementary = new(StringComparer.Ordinal)
    {
        ["alice"] = [WebGroup],
    };

    public uint? FindUid(string userName) => _users.TryGetValue(userName, out var user) ? user.Uid : null;

    public UserAccount? FindUser(uint uid)
    {
        foreach (var user in _users.Values)
        {
            if (user.Uid == uid)
            {
                return user;
            }
        }

        return null;
    }

    public uint? FindGid(string groupName) => _groups.TryGetValue(groupName, out uint gid) ? gid : null;

    public string? FindGroupName(uint gid)
    {
        foreach (var (name, id) in _groups)
        {
            if (id == gid)
            {
                return name;
            }
        }

        return null;
    }

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) =>
        _supplementary.TryGetValue(userName, out uint[]? extra) ? [primaryGid, .. extra] : [primaryGid];

    /// <summary>The listed members only, as in /etc/group: alice in web.</summary>
    public IReadOnlyList<string> MemberNamesOf(uint gid) =>
        [.. _supplementary.Where(pair => pair.Value.Contains(gid)).Select(pair => pair.Key)];
}
