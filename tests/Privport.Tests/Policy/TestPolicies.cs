using Privport.Interop;
using Privport.Policy;
using Privport.Config;

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
    public static IReadOnlyList<ConfigError> Errors(string toml)
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.Write("policy.toml", toml);
        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(path, new FakeAccountDirectory()));
        return exception.Errors;
    }

    /// <summary>The single error of <paramref name="toml"/>; fails the test if there are none or several.</summary>
    public static ConfigError SingleError(string toml) => Assert.Single(Errors(toml));

    /// <summary>
    /// A peer running <paramref name="exe"/>: the file found there on this host, or, where there is none, a file that
    /// exists nowhere (no file system has device 0:0), so the name alone can never match a rule.
    /// </summary>
    public static PeerIdentity Peer(uint uid, uint gid, string? exe = null, params uint[] groups) =>
        new(uid, gid, groups, 4242, exe, exe is null ? null : FileIdentity.TryRead(exe) ?? Nowhere);

    public static readonly FileIdentity Nowhere = new(0, 0, 0);
}
