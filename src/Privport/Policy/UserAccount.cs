namespace Privport.Policy;

/// <summary>A passwd entry: what a policy needs of it.</summary>
internal sealed record UserAccount(string Name, uint Uid, uint PrimaryGid);
