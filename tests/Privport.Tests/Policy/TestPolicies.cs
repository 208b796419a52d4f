using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>Loads policy text the way the broker does: from a file named policy.toml.</summary>
internal static class TestPolicies
{
    public static PortPolicy Load(string toml)
    {
        using var directory = new TempPolicyDirectory();
        return PolicyLoader.Load(directory.Write("policy.toml", toml), new FakeAccountDirectory());
    }

    /// <summary>The load errors of <paramref name="toml"/>; fails the test if it loads.</summary>
    public static IReadOnlyList<PolicyError> Errors(string toml)
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.Write("policy.toml", toml);
        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(path, new FakeAccountDirectory()));
        return exception.Errors;
    }

    /// <summary>The single error of <paramref name="toml"/>; fails the test if there are none or several.</summary>
    public static PolicyError SingleError(string toml) => Assert.Single(Errors(toml));

    public static PeerIdentity Peer(uint uid, uint gid, string? exe = null, params uint[] groups) => new(uid, gid, groups, 4242, exe);
}
