using System.Diagnostics.CodeAnalysis;
using Privport.Client;
using Privport.Kernel;
using Privport.Policy;
using Privport.HostFacts;

namespace Privport.Commands;

/// <summary>
/// <c>privport policy test --user U [--exe PATH] [--group G]... [--v6only] [--unit NAME | --cgroup PATH] [--json]
/// ENDPOINT</c>: what the policy would decide for that process, and which path (kernel or broker) would grant it,
/// without a broker or a bind.
/// </summary>
internal sealed class PolicyTestCommand
{
    private readonly IAccountDirectory _accounts;
    private readonly Func<int> _unprivilegedPortStart;

    /// <param name="unprivilegedPortStart">Reads net.ipv4.ip_unprivileged_port_start; this host's by default.</param>
    public PolicyTestCommand(IAccountDirectory accounts, Func<int>? unprivilegedPortStart = null)
    {
        _accounts = accounts;
        _unprivilegedPortStart = unprivilegedPortStart ?? (() => UnprivilegedPortStart.Read());
    }

    public int Run(string? policyPath, string user, string? exe, IReadOnlyList<string> extraGroups, bool ipv6Only, string endpoint, TextWriter stdout, TextWriter stderr) =>
        Run(new PolicyTestRequest(policyPath, user, exe, extraGroups, ipv6Only, endpoint), stdout, stderr);

    public int Run(PolicyTestRequest request, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.User);
        ArgumentNullException.ThrowIfNull(request.Groups);
        ArgumentNullException.ThrowIfNull(request.Endpoint);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!Endpoint.TryParse(request.Endpoint, out var parsed, out string? error)
            || !TryParseScope(request, out var scope, out error)
            || !TryBuildPeer(request.User, request.Exe, request.Groups, out var peer, out error))
        {
            stderr.WriteLine($"privport policy test: {error}");
            return ExitCodes.Usage;
        }

        PortPolicy policy;
        try
        {
            policy = PolicyLoader.Load(request.PolicyPath ?? PolicyLoader.DefaultPath, _accounts);
        }
        catch (PolicyLoadException e)
        {
            PolicyCheckCommand.WriteErrors(e.Errors, stderr);
            return ExitCodes.Config;
        }

        string? exe = request.Exe;
        if (exe is not null && peer.Exe != exe)
        {
            stderr.WriteLine($"note: {exe} resolves to {peer.Exe}, the path the broker sees");
        }

        if (exe is not null && !peer.ExeFileKnown)
        {
            stderr.WriteLine($"note: {exe} cannot be read here; exe rules match the file itself (device and inode), so they will not match it");
        }

        var answer = Decide(policy, peer, parsed, request.IPv6Only, scope);
        if (request.Json)
        {
            PolicyTestJsonWriter.Write(answer, stdout);
        }
        else
        {
            stdout.WriteLine(answer.Decision.Allowed ? $"allow: {answer.Decision.Reason}" : $"deny: {answer.Decision.Reason}");
            if (answer.Path is not null)
            {
                stdout.WriteLine($"path: {answer.Path}");
            }
        }

        return answer.Decision.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
    }

    /// <summary>
    /// A process in a granted unit or cgroup binds directly, granted by the kernel; otherwise only the broker can
    /// grant it (through wrap, exec or OPEN).
    /// </summary>
    private PolicyTestAnswer Decide(PortPolicy policy, PeerIdentity peer, Endpoint endpoint, bool ipv6Only, string? scope)
    {
        if (scope is not null)
        {
            var plan = new KernelGrantPlanner(_accounts, _unprivilegedPortStart()).Plan(policy);
            foreach (var (planScope, entries) in plan.Scopes)
            {
                if (Contains(planScope, scope)
                    && KernelGrantLookup.Find(entries, peer.Uid, peer.Gid, endpoint.Protocol, endpoint.Address, endpoint.Port) is { } entry)
                {
                    string ruleId = plan.RuleIds[(int)entry.RuleNumber];
                    return new PolicyTestAnswer(Decision.Allow(ruleId, $"granted by {ruleId} in the kernel, to {planScope}"), "kernel", planScope.ToString());
                }
            }
        }

        var decision = policy.Decide(peer, endpoint, ipv6Only);
        return new PolicyTestAnswer(decision, decision.Allowed ? "broker" : null, null);
    }

    /// <summary>A unit matches itself; a cgroup scope grants in its whole subtree, as the attached program does.</summary>
    private static bool Contains(GrantScope planScope, string scope) => planScope.Kind switch
    {
        GrantScopeKind.Unit => scope == $"unit {planScope.Name}",
        GrantScopeKind.Cgroup => scope == $"cgroup {planScope.Name}" || scope.StartsWith($"cgroup {planScope.Name}/", StringComparison.Ordinal),
        _ => false,
    };

    private static bool TryParseScope(PolicyTestRequest request, out string? scope, [NotNullWhen(false)] out string? error)
    {
        scope = null;
        error = null;
        if (request.Unit is not null && request.Cgroup is not null)
        {
            error = "give --unit or --cgroup, not both: a process is in one cgroup";
            return false;
        }

        if (request.Unit is not null)
        {
            error = UnitName.Problem(request.Unit);
            scope = $"unit {request.Unit}";
        }
        else if (request.Cgroup is not null)
        {
            error = CgroupPath.Problem(request.Cgroup);
            scope = $"cgroup {request.Cgroup}";
        }

        return error is null;
    }

    private bool TryBuildPeer(
        string user, string? exe, IReadOnlyList<string> extraGroups, [NotNullWhen(true)] out PeerIdentity? peer, [NotNullWhen(false)] out string? error)
    {
        peer = null;
        UserAccount? account = AccountId.TryParseNumber(user, out uint uid)
            ? _accounts.FindUser(uid)
            : _accounts.FindUid(user) is { } found ? _accounts.FindUser(found) : null;
        if (account is null)
        {
            error = $"unknown user '{user}': give a user name or a uid with a passwd entry";
            return false;
        }

        var groups = new List<uint>(_accounts.GroupsOf(account.Name, account.PrimaryGid));
        foreach (string group in extraGroups)
        {
            uint? gid = AccountId.TryParseNumber(group, out uint number) ? number : _accounts.FindGid(group);
            if (gid is null)
            {
                error = $"unknown group '{group}': give a group name or a gid";
                return false;
            }

            groups.Add(gid.Value);
        }

        if (exe is not null && !exe.StartsWith('/'))
        {
            error = $"--exe '{exe}' is not an absolute path; the broker sees the full path, e.g. /usr/sbin/nginx";
            return false;
        }

        peer = PeerIdentity.Running(account.Uid, account.PrimaryGid, groups, exe);
        error = null;
        return true;
    }
}
