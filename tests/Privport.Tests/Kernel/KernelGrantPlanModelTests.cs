using System.Collections.Immutable;
using System.Net;
using CsCheck;
using Privport.Client;
using Privport.Kernel;
using Privport.Policy;
using Privport.Tests.Policy;
using Privport.Config;

namespace Privport.Tests.Kernel;

/// <summary>
/// For random rules and binds, the kernel grants exactly what the broker grants: "the plan has an entry matching the
/// bind" ⇔ "<see cref="PortPolicy.Decide"/> allows it for a process with that uid and gid". The kernel cannot see
/// IPV6_V6ONLY, so it is compared with the dual-stack decision, and what it grants an IPv6-only bind the broker grants
/// too. Kernel-scoped rules are compared with the same rules without their units, for a process in one unit.
/// </summary>
public sealed class KernelGrantPlanModelTests
{
    private static readonly FakeAccountDirectory Accounts = new();

    private static readonly Gen<PortProtocol> Protocol = Gen.OneOf(PortProtocol.Tcp, PortProtocol.Udp);

    private static readonly Gen<PortRange> Ports = Gen.Select(Protocol, Gen.UShort[20, 30], Gen.UShort[0, 3],
        (protocol, first, width) => new PortRange(protocol, first, (ushort)(first + width)));

    // Wildcards four times over, so dual-stack pairs (often across rules) are common; no %INTERFACE, which the kernel
    // path refuses or leaves out (KernelGrantPlannerTests).
    private static readonly Gen<AddressPattern> Address = Gen.OneOf(
        "0.0.0.0", "::", "0.0.0.0", "::", "0.0.0.0", "::", "0.0.0.0", "::", "127.0.0.1", "127.0.0.0/8", "0.0.0.0/0", "::/0", "::1",
        "10.0.0.0/8", "fd00::/8", "192.0.2.10", "fe80::1", "::ffff:127.0.0.1", "::ffff:127.0.0.0/104", "::ffff:0.0.0.0", "127.0.0.1/32", "0.0.0.0/32")
        .Select(text => AddressPattern.TryParse(text, out var pattern, out _) ? pattern : throw new InvalidOperationException(text));

    private static readonly Gen<IPAddress> BindAddress = Gen.OneOf(
        "0.0.0.0", "::", "0.0.0.0", "::", "127.0.0.1", "127.0.0.53", "10.1.2.3", "192.0.2.10", "::1", "fd00::5", "fe80::1", "fe80::1%2",
        "::ffff:127.0.0.1", "::ffff:0.0.0.0", "::%1", "2001:db8::1").Select(IPAddress.Parse);

    private static readonly Gen<uint> Uid = Gen.OneOf(FakeAccountDirectory.Root, FakeAccountDirectory.WwwData, FakeAccountDirectory.Alice, FakeAccountDirectory.Nobody, 4000u);

    private static readonly Gen<uint> Gid = Gen.OneOf(0u, 33u, 1001u, FakeAccountDirectory.WebGroup, FakeAccountDirectory.DnsGroup, 65534u);

    private static readonly Gen<string> Unit = Gen.OneOf("a.service", "b.service");

    /// <summary>Users, groups, both, or (kernel-scoped only) neither; users may be "*".</summary>
    private static readonly Gen<(bool AnyUser, ImmutableArray<AccountId> Users, ImmutableArray<AccountId> Groups)> Accounts4 = Gen.Select(
        Gen.Int[0, 4], Uid.Array[1, 2], Gid.Array[1, 2],
        (shape, uids, gids) => shape switch
        {
            0 => (true, ImmutableArray<AccountId>.Empty, ImmutableArray<AccountId>.Empty),
            1 => (false, [.. uids.Distinct().Select(id => new AccountId(id, null))], ImmutableArray<AccountId>.Empty),
            2 => (false, ImmutableArray<AccountId>.Empty, [.. gids.Distinct().Select(id => new AccountId(id, null))]),
            3 => (false, [.. uids.Distinct().Select(id => new AccountId(id, null))], [.. gids.Distinct().Select(id => new AccountId(id, null))]),
            _ => (false, ImmutableArray<AccountId>.Empty, ImmutableArray<AccountId>.Empty),
        });

    private static readonly Gen<RuleShape[]> Shapes = Gen.Select(
        Accounts4, Ports.Array[1, 3], Gen.Frequency((1, Gen.Const(Array.Empty<AddressPattern>())), (3, Address.Array[1, 3])), Unit.Array[1, 2],
        (accounts, ports, addresses, units) => new RuleShape(accounts.AnyUser, accounts.Users, accounts.Groups, [.. ports], [.. addresses], [.. units.Distinct()]))
        .Array[1, 6];

    private static readonly Gen<Bind> Binds = Gen.Select(Protocol, BindAddress, Gen.UShort[19, 31], (protocol, address, port) => new Bind(protocol, address, port));

    [Fact]
    public void Enrolment_entries_grant_exactly_what_the_broker_grants_the_caller()
    {
        int granted = 0, dualStack = 0, denied = 0, unprivileged = 0;
        Gen.Select(Shapes, Gen.Select(Uid, Gid, Gid.Array[0, 2]), Gen.Int[24, 32], Binds.Array[30, 30]).Sample(
            sample =>
            {
                var (shapes, (uid, gid, groups), start, binds) = sample;
                var policy = Policy(shapes.Where(shape => shape.NamesAccounts).Select((shape, i) => shape.ToRule(i, kernelScoped: false)));
                var peer = new PeerIdentity(uid, gid, groups, 4242, null);
                var entries = new KernelGrantPlanner(Accounts, start).ForPeer(policy, peer).Entries;
                foreach (var bind in binds)
                {
                    bool kernel = KernelGrantLookup.Find(entries, uid, gid, bind.Protocol, bind.Address, bind.Port) is not null;
                    if (bind.Port >= start)
                    {
                        Assert.False(kernel, $"{bind}: an entry for a port from ip_unprivileged_port_start ({start}) up");
                        unprivileged++;
                        continue;
                    }

                    var endpoint = new Endpoint(bind.Protocol, bind.Address, bind.Port);
                    bool broker = policy.Decide(peer, endpoint, ipv6Only: false).Allowed;
                    Assert.True(kernel == broker, $"{bind} by uid {uid} gid {gid}: kernel {(kernel ? "grants" : "denies")}, broker {(broker ? "grants" : "denies")}");
                    Assert.True(!kernel || policy.Decide(peer, endpoint, ipv6Only: true).Allowed, $"{bind}: the kernel grants what an IPv6-only bind is denied");
                    _ = kernel ? granted++ : denied++;
                    _ = kernel && IsIPv6Wildcard(bind.Address) ? dualStack++ : 0;
                }
            },
            iter: 1000,
            threads: 1,
            print: sample => string.Join('\n', sample.Item1.Select(shape => shape.ToString())));

        Assert.True(granted > 1000 && dualStack > 100 && denied > 5000 && unprivileged > 5000,
            $"{granted} granted ({dualStack} dual-stack [::]), {denied} denied, {unprivileged} unprivileged");
    }

    [Fact]
    public void Kernel_scoped_plan_grants_exactly_what_the_broker_would_grant_the_same_rules_in_that_unit()
    {
        int granted = 0, dualStack = 0, denied = 0, refused = 0, planned = 0;
        Gen.Select(Shapes, Gen.Int[0, 5], Gid, Unit, Binds.Array[30, 30]).Sample(
            sample =>
            {
                var (shapes, who, strangerGid, unit, binds) = sample;

                // The kernel sees one uid and one gid; a process's groups are those the group database gives its user,
                // as a service manager sets them.
                var peer = who switch
                {
                    0 => Peer("root"),
                    1 => Peer("www-data"),
                    2 => Peer("alice"),
                    3 => Peer("nobody"),
                    _ => new PeerIdentity(4000, strangerGid, [], 4242, null),
                };

                // Users with groups are refused in kernel-scoped rules (KernelScopedRuleTests): a rule keeps one of them.
                var kernelShapes = shapes.Select(shape => shape.Users.IsEmpty || shape.Groups.IsEmpty ? shape : shape with { Groups = [] }).ToArray();
                var kernelPolicy = Policy(kernelShapes.Select((shape, i) => shape.ToRule(i, kernelScoped: true)));
                var diagnostics = new ConfigDiagnostics();
                KernelRuleCheck.Check(kernelPolicy, Accounts, diagnostics);
                if (diagnostics.ErrorCount > 0)
                {
                    refused++;
                    return;
                }

                planned++;
                var twin = Policy(kernelShapes.Select((shape, i) => shape.Units.Contains(unit) ? shape.ToRule(i, kernelScoped: false) : null).OfType<PolicyRule>());
                var entries = new KernelGrantPlanner(Accounts, 1024).Plan(kernelPolicy).Scopes.GetValueOrDefault(GrantScope.Unit(unit), []);
                foreach (var bind in binds)
                {
                    var endpoint = new Endpoint(bind.Protocol, bind.Address, bind.Port);
                    bool kernel = KernelGrantLookup.Find(entries, peer.Uid, peer.Gid, bind.Protocol, bind.Address, bind.Port) is not null;
                    bool broker = twin.Decide(peer, endpoint, ipv6Only: false).Allowed;
                    Assert.True(kernel == broker,
                        $"{bind} by uid {peer.Uid} gid {peer.Gid} in {unit}: kernel {(kernel ? "grants" : "denies")}, broker {(broker ? "grants" : "denies")}");
                    _ = kernel ? granted++ : denied++;
                    _ = kernel && IsIPv6Wildcard(bind.Address) ? dualStack++ : 0;
                }
            },
            iter: 900,
            threads: 1,
            print: sample => string.Join('\n', sample.Item1.Select(shape => shape.ToString())));

        Assert.True(granted > 700 && dualStack > 80 && denied > 5000 && planned > 300,
            $"{granted} granted ({dualStack} dual-stack [::]), {denied} denied; {planned} policies planned, {refused} refused");
    }

    private static PeerIdentity Peer(string name)
    {
        var account = Accounts.FindUser(Accounts.FindUid(name)!.Value)!;
        return new PeerIdentity(account.Uid, account.PrimaryGid, Accounts.GroupsOf(name, account.PrimaryGid), 4242, null);
    }

    private static PortPolicy Policy(IEnumerable<PolicyRule> rules) => new([.. rules], ["policy.toml"], []);

    private static bool IsIPv6Wildcard(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && new IPAddress(address.GetAddressBytes()).Equals(IPAddress.IPv6Any);

    private sealed record RuleShape(
        bool AnyUser, ImmutableArray<AccountId> Users, ImmutableArray<AccountId> Groups, ImmutableArray<PortRange> Ports, ImmutableArray<AddressPattern> Addresses,
        ImmutableArray<string> Units)
    {
        public bool NamesAccounts => AnyUser || !Users.IsEmpty || !Groups.IsEmpty;

        /// <summary>Without units, a rule naming no accounts grants any user: what a kernel-scoped rule without them means.</summary>
        public PolicyRule ToRule(int index, bool kernelScoped) => new(
            $"r{index}", null, "policy.toml", index + 1, AnyUser || !NamesAccounts, Users, Groups, [], Ports, Addresses,
            units: kernelScoped ? Units : []);

        public override string ToString() =>
            $"units {string.Join(',', Units)} users {(AnyUser ? "*" : string.Join(',', Users))} groups {string.Join(',', Groups)} "
            + $"ports {string.Join(',', Ports)} addresses {string.Join(',', Addresses)}";
    }

    private readonly record struct Bind(PortProtocol Protocol, IPAddress Address, ushort Port)
    {
        public override string ToString() => $"{Endpoint.ProtocolName(Protocol)} [{Address}]:{Port}";
    }
}
