using System.Diagnostics.CodeAnalysis;
using Privport.Client;
using Privport.Policy;

namespace Privport.Commands;

/// <summary>
/// <c>privport policy test --user U [--exe PATH] [--group G]... [--v6only] ENDPOINT</c>: what the broker would
/// decide for that peer, without a broker or a bind.
/// </summary>
internal sealed class PolicyTestCommand
{
    private readonly IAccountDirectory _accounts;

    public PolicyTestCommand(IAccountDirectory accounts)
    {
        _accounts = accounts;
    }

    public int Run(string? policyPath, string user, string? exe, IReadOnlyList<string> extraGroups, bool ipv6Only, string endpoint, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(extraGroups);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!Endpoint.TryParse(endpoint, out var parsed, out string? error)
            || !TryBuildPeer(user, exe, extraGroups, out var peer, out error))
        {
            stderr.WriteLine($"privport policy test: {error}");
            return ExitCodes.Usage;
        }

        PortPolicy policy;
        try
        {
            policy = PolicyLoader.Load(policyPath ?? PolicyLoader.DefaultPath, _accounts);
        }
        catch (PolicyLoadException e)
        {
            PolicyCheckCommand.WriteErrors(e.Errors, stderr);
            return ExitCodes.Config;
        }

        if (exe is not null && peer.Exe != exe)
        {
            stderr.WriteLine($"note: {exe} resolves to {peer.Exe}, the path the broker sees");
        }

        if (exe is not null && peer.ExeFile is null)
        {
            stderr.WriteLine($"note: {exe} cannot be read here; exe rules match the file itself (device and inode), so they will not match it");
        }

        var decision = policy.Decide(peer, parsed, ipv6Only);
        stdout.WriteLine(decision.Allowed ? $"allow: {decision.Reason}" : $"deny: {decision.Reason}");
        return decision.Allowed ? ExitCodes.Ok : ExitCodes.Denied;
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
