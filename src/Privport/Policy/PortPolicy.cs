using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// The loaded policy: every rule of every file, immutable. Deny by default; any rule that allows a request suffices,
/// and the first such rule in file order is the one reported. (Named so it does not clash with the namespace.)
/// </summary>
internal sealed class PortPolicy
{
    private readonly FrozenDictionary<uint, string> _userNames;

    public PortPolicy(ImmutableArray<PolicyRule> rules, ImmutableArray<string> files, ImmutableArray<ConfigError> warnings)
    {
        Rules = rules;
        Files = files;
        Warnings = warnings;
        _userNames = NamedUsers(rules);
        NamesGroups = rules.Any(rule => !rule.Groups.IsEmpty);
        NamesExecutables = rules.Any(rule => !rule.Executables.IsEmpty);
    }

    /// <summary>Whether any rule names groups, so deciding needs the peer's supplementary groups.</summary>
    public bool NamesGroups { get; }

    /// <summary>Whether any rule names exe, so deciding needs the file the peer executes (device and inode).</summary>
    public bool NamesExecutables { get; }

    public ImmutableArray<PolicyRule> Rules { get; }

    /// <summary>The files read, in the order their rules were read.</summary>
    public ImmutableArray<string> Files { get; }

    /// <summary>Things that load but probably are not what was meant, such as an exe that does not exist yet.</summary>
    public ImmutableArray<ConfigError> Warnings { get; }

    /// <summary>
    /// Decides whether <paramref name="peer"/> may bind <paramref name="endpoint"/>. Without
    /// <paramref name="ipv6Only"/>, a bind to <c>::</c> also takes 0.0.0.0 on the same port, so both must be allowed.
    /// </summary>
    public Decision Decide(PeerIdentity peer, Endpoint endpoint, bool ipv6Only) => Decide(peer, endpoint, ipv6Only, default);

    /// <summary>
    /// As above, for an OPEN asking for <paramref name="terms"/>: only rules that opt in to each of them allow it.
    /// </summary>
    public Decision Decide(PeerIdentity peer, Endpoint endpoint, bool ipv6Only, OpenTerms terms)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var address = endpoint.Address;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
            endpoint = endpoint with { Address = address };
        }

        var rule = FindAllowing(peer, endpoint.Protocol, address, endpoint.Port, terms);
        if (rule is null)
        {
            return ExplainDenial(peer, endpoint, terms);
        }

        if (!IsIPv6Wildcard(address))
        {
            return rule.AllowDecision;
        }

        var ipv4Rule = FindAllowing(peer, endpoint.Protocol, IPAddress.Any, endpoint.Port, terms);
        if (ipv6Only)
        {
            // The caller learns whether the answer holds only for an IPv6-only bind: a client's own socket can be
            // switched to dual-stack after it was inspected, so the broker has to enforce it, not just read it.
            return ipv4Rule is null ? rule.IPv6OnlyAllowDecision : rule.AllowDecision;
        }

        if (ipv4Rule is null)
        {
            return Decision.Deny(DenyReason.MissingIPv4Half(rule, endpoint), rule.Id);
        }

        return ReferenceEquals(rule, ipv4Rule)
            ? rule.AllowDecision
            : Decision.Allow($"{rule.Id}+{ipv4Rule.Id}", DenyReason.Fit($"granted by {rule.Id} for [::] and {ipv4Rule.Id} for 0.0.0.0"));
    }

    private PolicyRule? FindAllowing(PeerIdentity peer, PortProtocol protocol, IPAddress address, ushort port, OpenTerms terms)
    {
        foreach (var rule in Rules)
        {
            // A kernel-scoped rule names a cgroup, which a broker peer cannot prove it is in.
            if (!rule.IsKernelScoped && rule.Allows(peer, protocol, address, port) && rule.Permits(terms))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// Among the rules covering the port, the one that matches the most of address, user/groups and exe is the
    /// nearest miss (the first in file order on a tie); the reason names the first of those it does not match.
    /// </summary>
    private Decision ExplainDenial(PeerIdentity peer, Endpoint endpoint, OpenTerms terms)
    {
        if (terms != default && FindAllowing(peer, endpoint.Protocol, endpoint.Address, endpoint.Port, default) is { } withoutTerms)
        {
            return Decision.Deny(
                terms.ReusePort && !withoutTerms.ReusePort
                    ? DenyReason.ReusePortNotOptedIn(withoutTerms, endpoint)
                    : DenyReason.OtherNetworkNamespaceNotOptedIn(withoutTerms, endpoint),
                withoutTerms.Id);
        }

        if (FindKernelScoped(peer, endpoint) is { } kernelRule)
        {
            return Decision.Deny(DenyReason.KernelOnly(kernelRule, endpoint), kernelRule.Id);
        }

        PolicyRule? nearest = null;
        int nearestScore = -1;
        foreach (var rule in Rules)
        {
            if (rule.IsKernelScoped || !rule.CoversPort(endpoint.Protocol, endpoint.Port))
            {
                continue;
            }

            int score = (rule.CoversPeer(peer) ? 1 : 0) + (rule.CoversAddress(endpoint.Address) ? 1 : 0) + (rule.CoversExecutable(peer.ExeFile) ? 1 : 0);
            if (score > nearestScore)
            {
                nearest = rule;
                nearestScore = score;
            }
        }

        // Only names the policy itself wrote: a denial never waits on NSS (an LDAP timeout per request would stall
        // the serving thread, and a flood of denials would become directory traffic).
        string? userName = _userNames.GetValueOrDefault(peer.Uid);
        if (nearest is null)
        {
            return Decision.Deny(DenyReason.NoRule(endpoint, peer.Uid, userName));
        }

        if (!nearest.CoversUser(peer.Uid))
        {
            return Decision.Deny(DenyReason.NotForUser(nearest, endpoint, peer.Uid, userName), nearest.Id);
        }

        if (!nearest.CoversGroups(peer))
        {
            return Decision.Deny(DenyReason.NotInGroups(nearest, endpoint, peer.Uid, userName), nearest.Id);
        }

        return Decision.Deny(
            nearest.CoversAddress(endpoint.Address) ? DenyReason.NotForExecutable(nearest, endpoint, peer.Exe, peer.ExeFile) : DenyReason.NotOnAddress(nearest, endpoint),
            nearest.Id);
    }

    /// <summary>The user names the rules were written with, by uid, as resolved when the policy loaded.</summary>
    private static FrozenDictionary<uint, string> NamedUsers(ImmutableArray<PolicyRule> rules)
    {
        var names = new Dictionary<uint, string>();
        foreach (var rule in rules)
        {
            foreach (var user in rule.Users)
            {
                if (user.Name is not null)
                {
                    names.TryAdd(user.Id, user.Name);
                }
            }
        }

        return names.ToFrozenDictionary();
    }

    /// <summary>The first kernel-scoped rule that would allow the bind, were the peer in its cgroup.</summary>
    private PolicyRule? FindKernelScoped(PeerIdentity peer, Endpoint endpoint)
    {
        foreach (var rule in Rules)
        {
            if (rule.IsKernelScoped && rule.Allows(peer, endpoint.Protocol, endpoint.Address, endpoint.Port))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary><c>::</c> with any scope id: the scope does not narrow a wildcard bind.</summary>
    private static bool IsIPv6Wildcard(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out _) && !bytes.ContainsAnyExcept((byte)0);
    }
}
