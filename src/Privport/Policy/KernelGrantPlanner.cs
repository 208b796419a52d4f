using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Policy;
using Privport.HostFacts;
using Privport.Kernel;

namespace Privport.Policy;

/// <summary>
/// Turns the policy into kernel grant entries with the broker's address semantics: a wildcard pattern grants only the
/// wildcard bind, a specific address or prefix never grants the wildcard, and an empty address list grants both
/// wildcards and every specific address. A dual-stack <c>::</c> bind also takes 0.0.0.0, and the BPF program cannot
/// see IPV6_V6ONLY, so an IPv6-wildcard entry is emitted only when the same subject (or any user) also holds the IPv4
/// wildcard for that protocol and port in the same scope. Only ports below <see cref="UnprivilegedPortStart"/> get
/// entries. Rule numbers index the policy's rules in file order.
/// </summary>
internal sealed class KernelGrantPlanner
{
    public const string ExeLeftOut = "the kernel cannot check which program binds; use privport wrap";

    public const string DualStackLeftOut =
        "[::] without 0.0.0.0: the kernel cannot tell an IPv6-only bind of [::] from a dual-stack one, so [::] is left out; allow \"0.0.0.0\" as well, or use privport wrap";

    public const string InterfaceLeftOut =
        "an address with %INTERFACE: the kernel path cannot tell which interface a link-local bind names, so it is left out; use privport wrap";

    private readonly IAccountDirectory _accounts;

    public KernelGrantPlanner(IAccountDirectory accounts, int unprivilegedPortStart)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentOutOfRangeException.ThrowIfNegative(unprivilegedPortStart);
        _accounts = accounts;
        UnprivilegedPortStart = unprivilegedPortStart;
    }

    /// <summary>Ports from here up need no grant.</summary>
    public int UnprivilegedPortStart { get; }

    /// <summary>The planner for this host's network namespace.</summary>
    public static KernelGrantPlanner ForHost(IAccountDirectory accounts) => new(accounts, HostFacts.UnprivilegedPortStart.Read());

    /// <summary>The entries of every kernel-scoped rule, per unit and cgroup it names.</summary>
    public KernelGrantPlan Plan(PortPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var scopes = new Dictionary<GrantScope, List<GrantEntry>>();
        var order = new List<GrantScope>();
        for (int number = 0; number < policy.Rules.Length; number++)
        {
            var rule = policy.Rules[number];
            if (!rule.IsKernelScoped)
            {
                continue;
            }

            var subjects = KernelSubjects.Of(rule, _accounts);
            foreach (var scope in ScopesOf(rule))
            {
                if (!scopes.TryGetValue(scope, out var entries))
                {
                    entries = [];
                    scopes.Add(scope, entries);
                    order.Add(scope);
                }

                foreach (var subject in subjects)
                {
                    AddEntries(rule, (uint)number, subject, entries);
                }
            }
        }

        var builder = ImmutableDictionary.CreateBuilder<GrantScope, ImmutableArray<GrantEntry>>();
        foreach (var scope in order)
        {
            var kept = KeepDualStackPairs(Deduplicate(scopes[scope]), dropped: null);
            if (!kept.IsEmpty)
            {
                builder.Add(scope, kept);
            }
        }

        return new KernelGrantPlan(builder.ToImmutable(), RuleIds(policy));
    }

    /// <summary>
    /// What an enrolment grants <paramref name="peer"/>: every ordinary rule (no units or cgroups) that covers its uid
    /// and groups, as entries for its uid. Rules naming exe, and the parts the kernel cannot enforce, are left out
    /// with the reason.
    /// </summary>
    public KernelPeerGrants ForPeer(PortPolicy policy, PeerIdentity peer)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(peer);
        var entries = new List<GrantEntry>();
        var leftOut = new List<LeftOutRule>();
        var subject = GrantSubject.User(peer.Uid);
        for (int number = 0; number < policy.Rules.Length; number++)
        {
            var rule = policy.Rules[number];
            if (rule.IsKernelScoped || !rule.CoversPeer(peer) || !HasPrivilegedPort(rule))
            {
                continue;
            }

            if (!rule.Executables.IsEmpty)
            {
                leftOut.Add(new LeftOutRule(rule.Id, ExeLeftOut));
                continue;
            }

            if (rule.Addresses.Any(address => address.ScopeId != 0))
            {
                leftOut.Add(new LeftOutRule(rule.Id, InterfaceLeftOut));
            }

            AddEntries(rule, (uint)number, subject, entries);
        }

        var dropped = new HashSet<uint>();
        var kept = KeepDualStackPairs(Deduplicate(entries), dropped);
        foreach (uint number in dropped.Order())
        {
            leftOut.Add(new LeftOutRule(policy.Rules[(int)number].Id, DualStackLeftOut));
        }

        return new KernelPeerGrants(kept, RuleIds(policy), [.. leftOut]);
    }

    /// <summary>
    /// The first port of <paramref name="rule"/> whose <c>::</c> lacks the IPv4 wildcard for some subject in some scope,
    /// or null: what <c>policy check</c> refuses in a kernel-scoped rule. Every port counts, whatever this host's
    /// unprivileged port start, so a policy that loads here loads on any host.
    /// </summary>
    public static (GrantSubject Subject, PortProtocol Protocol, ushort Port)? FirstUnpairedIPv6Wildcard(
        PortPolicy policy, PolicyRule rule, IAccountDirectory accounts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(rule);
        if (!rule.IsKernelScoped || !rule.Addresses.Any(address => address.IsWildcard && address.Family == AddressFamily.InterNetworkV6))
        {
            return null;
        }

        var subjects = KernelSubjects.Of(rule, accounts);
        var partners = policy.Rules
            .Where(other => other.IsKernelScoped && other.CoversAddress(IPAddress.Any))
            .Select(other => (Rule: other, Subjects: KernelSubjects.Of(other, accounts)))
            .ToList();
        foreach (var scope in ScopesOf(rule))
        {
            var inScope = partners.Where(partner => ScopesOf(partner.Rule).Contains(scope)).ToList();
            foreach (var subject in subjects)
            {
                var holders = inScope
                    .Where(partner => partner.Subjects.Contains(subject) || partner.Subjects.Contains(GrantSubject.AnyUser))
                    .Select(partner => partner.Rule)
                    .ToList();
                foreach (var range in rule.Ports)
                {
                    for (int port = range.First; port <= range.Last; port++)
                    {
                        if (!holders.Any(holder => holder.CoversPort(range.Protocol, (ushort)port)))
                        {
                            return (subject, range.Protocol, (ushort)port);
                        }
                    }
                }
            }
        }

        return null;
    }

    private static ImmutableArray<string> RuleIds(PortPolicy policy) => [.. policy.Rules.Select(rule => rule.Id)];

    private static IEnumerable<GrantScope> ScopesOf(PolicyRule rule) =>
        rule.Units.Select(GrantScope.Unit).Concat(rule.Cgroups.Select(GrantScope.Cgroup));

    private bool HasPrivilegedPort(PolicyRule rule) => rule.Ports.Any(range => range.First < UnprivilegedPortStart);

    private void AddEntries(PolicyRule rule, uint number, GrantSubject subject, List<GrantEntry> entries)
    {
        foreach (var range in rule.Ports)
        {
            int last = Math.Min(range.Last, UnprivilegedPortStart - 1);
            for (int port = range.First; port <= last; port++)
            {
                var template = new GrantEntry(AddressFamily.InterNetwork, range.Protocol, (ushort)port, subject, false, UInt128.Zero, 0, number);
                if (rule.Addresses.IsEmpty)
                {
                    entries.Add(template with { WildcardAddress = true });
                    entries.Add(template with { Family = AddressFamily.InterNetworkV6, WildcardAddress = true });
                    entries.Add(template);
                    entries.Add(template with { Family = AddressFamily.InterNetworkV6 });
                    continue;
                }

                foreach (var address in rule.Addresses)
                {
                    // Refused in kernel-scoped rules and reported for enrolments: the program sees no interface.
                    if (address.ScopeId != 0)
                    {
                        continue;
                    }

                    entries.Add(address.IsWildcard
                        ? template with { Family = address.Family, WildcardAddress = true }
                        : template with { Family = address.Family, Address = address.Network, PrefixLength = (byte)address.PrefixLength });
                }
            }
        }
    }

    /// <summary>One entry per key, the first rule in file order keeping it, as <see cref="PortPolicy.Decide"/> reports the first.</summary>
    private static List<GrantEntry> Deduplicate(List<GrantEntry> entries)
    {
        var seen = new HashSet<GrantEntry>();
        var unique = new List<GrantEntry>(entries.Count);
        foreach (var entry in entries)
        {
            if (seen.Add(entry with { RuleNumber = 0 }))
            {
                unique.Add(entry);
            }
        }

        return unique;
    }

    private static ImmutableArray<GrantEntry> KeepDualStackPairs(List<GrantEntry> entries, HashSet<uint>? dropped)
    {
        var ipv4Wildcards = new HashSet<(PortProtocol, ushort, GrantSubject)>();
        foreach (var entry in entries)
        {
            if (entry.WildcardAddress && entry.Family == AddressFamily.InterNetwork)
            {
                ipv4Wildcards.Add((entry.Protocol, entry.Port, entry.Subject));
            }
        }

        var kept = ImmutableArray.CreateBuilder<GrantEntry>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.WildcardAddress && entry.Family == AddressFamily.InterNetworkV6
                && !ipv4Wildcards.Contains((entry.Protocol, entry.Port, entry.Subject))
                && !ipv4Wildcards.Contains((entry.Protocol, entry.Port, GrantSubject.AnyUser)))
            {
                dropped?.Add(entry.RuleNumber);
                continue;
            }

            kept.Add(entry);
        }

        return kept.ToImmutable();
    }
}
