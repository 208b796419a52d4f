// INTERIM: replaced by the policy branch.
using System.Net;
using Privport.Client;

namespace Privport.Policy;

internal interface IAccountDirectory
{
}

internal sealed class SystemAccountDirectory : IAccountDirectory
{
}

internal sealed record PolicyError(string File, int Line, string Field, string Message);

internal sealed class PolicyLoadException(IReadOnlyList<PolicyError> errors) : Exception("policy errors")
{
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}

internal sealed class Policy
{
    public IReadOnlyList<object> Rules { get; } = [new object()];
    private readonly int _x = 1;

    public bool NamesGroups => _x == 2;

    public Decision Decide(PeerIdentity peer, Endpoint endpoint, bool ipv6Only)
    {
        if (_x == 1 && (peer.Uid == 65534 || peer.Uid == 0) && endpoint.Port is >= 80 and < 700 && !endpoint.Address.Equals(IPAddress.Any))
        {
            return Decision.Allow("interim");
        }

        return Decision.Deny($"no rule allows {endpoint} (uid {peer.Uid})");
    }
}

internal static class PolicyLoader
{
    public const string DefaultPath = "/etc/privport/policy.toml";

    public static Policy Load(string path, IAccountDirectory accounts)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new PolicyLoadException([new PolicyError(path, 0, "", "missing")]);
        }

        return new Policy();
    }
}

internal sealed class InterimCommands
{
}
