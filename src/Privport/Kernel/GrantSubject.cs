namespace Privport.Kernel;

/// <summary>Whose bind a kernel grant lets through: any uid, one uid, or processes whose gid is one group.</summary>
internal readonly record struct GrantSubject(GrantSubjectKind Kind, uint Id)
{
    public static GrantSubject AnyUser { get; } = new(GrantSubjectKind.AnyUser, 0);

    public static GrantSubject User(uint uid) => new(GrantSubjectKind.User, uid);

    public static GrantSubject Group(uint gid) => new(GrantSubjectKind.Group, gid);
}

internal enum GrantSubjectKind : byte
{
    AnyUser = 0,
    User = 1,

    /// <summary>The process's gid as <c>bpf_get_current_uid_gid</c> reports it (the kernel sees no supplementary groups).</summary>
    Group = 2,
}
