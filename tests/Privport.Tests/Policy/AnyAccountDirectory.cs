using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>A name service that knows every name, so rules naming strange accounts load and keep those names.</summary>
internal sealed class AnyAccountDirectory : IAccountDirectory
{
    public const uint Id = 4242;

    public uint? FindUid(string userName) => Id;

    public UserAccount? FindUser(uint uid) => null;

    public uint? FindGid(string groupName) => Id;

    public string? FindGroupName(uint gid) => null;

    public IReadOnlyList<uint> GroupsOf(string userName, uint primaryGid) => [primaryGid];

    public IReadOnlyList<string> MemberNamesOf(uint gid) => [];
}
