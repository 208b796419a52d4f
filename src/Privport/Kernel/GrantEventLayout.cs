namespace Privport.Kernel;

/// <summary>The 64-byte record the grant program writes to the events ring, all fields in host order but the address.</summary>
internal static class GrantEventLayout
{
    public const int Size = 64;
    public const int Pid = 0, Uid = 4, Gid = 8, Scope = 12, CgroupId = 16, Rule = 24, Port = 28, Protocol = 30, Family = 31,
        Address = 32, Comm = 48, CommLength = 16;
}
