namespace Privport.Kernel;

/// <summary>Where a set of kernel grants is attached: a systemd unit's cgroup, a cgroup path, or one enrolment.</summary>
internal readonly record struct GrantScope(GrantScopeKind Kind, string Name)
{
    public static GrantScope Unit(string unit) => new(GrantScopeKind.Unit, unit);

    /// <summary>A path inside the cgroup v2 hierarchy, from its root: <c>/system.slice/caddy.service</c>.</summary>
    public static GrantScope Cgroup(string path) => new(GrantScopeKind.Cgroup, path);

    public override string ToString() => Kind == GrantScopeKind.Unit ? $"unit {Name}" : $"cgroup {Name}";
}

internal enum GrantScopeKind : byte
{
    Unit = 1,
    Cgroup = 2,

    /// <summary>A child cgroup the broker made for one <c>privport wrap --kernel</c> caller.</summary>
    Enrolment = 3,
}
