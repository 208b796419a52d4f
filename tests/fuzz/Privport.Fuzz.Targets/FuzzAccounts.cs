using Privport.Policy;

namespace Privport.Fuzz;

/// <summary>A few fixed accounts, so a policy's meaning does not depend on the host running the fuzzer.</summary>
internal sealed class FuzzAccounts : IAccountDirectory
{
    public const uint WwwData = 33;
    public const uint Nobody = 65534;
    public const uint WebGroup = 2000;

    private static readonly Dictionary<string, uint> Users = new(StringComparer.Ordinal)
    {
        ["root"] = 0,
        ["www-data"] = WwwData,
        ["nobody"] = Nobody,
    };

    private static readonly Dictionary<string, uint> Groups = new(StringComparer.Ordinal)
    {
        ["root"] = 0,
        ["www-data"] = WwwData,
        ["nogroup"] = Nobody,
        ["web"] = WebGroup,
    };

    public uint? FindUid(string userName) => Users.TryGetValue(userName, out uint uid) ? uid : null;

    public UserAccount? FindUser(uint uid)
    {
        foreach (var (name, id) in Users)
        {
            if (id == uid)
            {
                return new UserAccount(name, id, id);
            }
        }

        return null;
    }

    public uint? FindGid(string groupName) => Groups.TryGetValue(groupName, out uint gid) ? gid : null;

    public string? FindGroupName(uint gid)
    {
        foreach (var (name, id) in Groups)
        {
            if (id == gid)
            {
                return name;
            }
        }

        return null;
    }

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => [primaryGid];

    public IReadOnlyList<string> MemberNamesOf(uint gid) => [];
}
