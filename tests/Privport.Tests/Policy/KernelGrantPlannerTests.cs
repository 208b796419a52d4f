using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Kernel;
using static Privport.Tests.Policy.TestPolicies;
using Privport.HostFacts;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>The kernel grant plan and an enrolment's entries, case by case, against the broker's address semantics.</summary>
public sealed class KernelGrantPlannerTests
{
    private static readonly GrantScope Caddy = GrantScope.Unit("caddy.service");

    private static KernelGrantPlan Plan(string toml, int unprivilegedPortStart = 1024) =>
        new KernelGrantPlanner(new FakeAccountDirectory(), unprivilegedPortStart).Plan(Load(toml));

    private static GrantEntry Wildcard(AddressFamily family, ushort port, GrantSubject subject, uint rule = 0, PortProtocol protocol = PortProtocol.Tcp) =>
        new(family, protocol, port, subject, true, UInt128.Zero, 0, rule);

    private static GrantEntry Specific(AddressFamily family, ushort port, GrantSubject subject, UInt128 address, byte prefix, uint rule = 0) =>
        new(family, PortProtocol.Tcp, port, subject, false, address, prefix, rule);

    [Fact]
    public void Rule_without_addresses_grants_both_wildcards_and_every_specific_address_to_any_uid_in_the_unit()
    {
        var plan = Plan("""
            [[allow]]
            name = "caddy"
            units = ["caddy.service"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(["caddy"], plan.RuleIds);
        var entries = Assert.Single(plan.Scopes, scope => scope.Key == Caddy).Value;
        Assert.Equal(
            [
                Wildcard(AddressFamily.InterNetwork, 80, GrantSubject.AnyUser),
                Wildcard(AddressFamily.InterNetworkV6, 80, GrantSubject.AnyUser),
                Specific(AddressFamily.InterNetwork, 80, GrantSubject.AnyUser, 0, 0),
                Specific(AddressFamily.InterNetworkV6, 80, GrantSubject.AnyUser, 0, 0),
            ],
            entries);
    }

    [Fact]
    public void Ipv4_wildcard_grants_only_the_ipv4_wildcard_bind()
    {
        var entries = Plan("""
            [[allow]]
            cgroups = ["/web"]
            users = ["www-data"]
            ports = ["tcp/80"]
            addresses = ["0.0.0.0"]
            """).Scopes[GrantScope.Cgroup("/web")];
        var subject = GrantSubject.User(FakeAccountDirectory.WwwData);
        Assert.Equal([Wildcard(AddressFamily.InterNetwork, 80, subject)], entries);
        Assert.NotNull(KernelGrantLookup.Find(entries, 33, 33, PortProtocol.Tcp, IPAddress.Any, 80));
        Assert.Null(KernelGrantLookup.Find(entries, 33, 33, PortProtocol.Tcp, IPAddress.Loopback, 80));
        Assert.Null(KernelGrantLookup.Find(entries, 1001, 33, PortProtocol.Tcp, IPAddress.Any, 80));
    }

    [Fact]
    public void Specific_address_and_prefix_never_grant_the_wildcard()
    {
        var entries = Plan("""
            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1", "10.0.0.0/8", "fd00::/8", "::ffff:192.0.2.0/120"]
            """).Scopes[Caddy];
        Assert.Equal(
            [
                Specific(AddressFamily.InterNetwork, 80, GrantSubject.AnyUser, 0x7f000001, 32),
                Specific(AddressFamily.InterNetwork, 80, GrantSubject.AnyUser, 0x0a000000, 8),
                Specific(AddressFamily.InterNetworkV6, 80, GrantSubject.AnyUser, (UInt128)0xfd << 120, 8),
                Specific(AddressFamily.InterNetwork, 80, GrantSubject.AnyUser, 0xc0000200, 24),
            ],
            entries);
        Assert.NotNull(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.Parse("10.9.8.7"), 80));
        Assert.NotNull(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.Parse("::ffff:127.0.0.1"), 80));
        Assert.NotNull(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.Parse("192.0.2.9"), 80));
        Assert.Null(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.Parse("127.0.0.2"), 80));
        Assert.Null(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.Any, 80));
        Assert.Null(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Tcp, IPAddress.IPv6Any, 80));
        Assert.Null(KernelGrantLookup.Find(entries, 7, 7, PortProtocol.Udp, IPAddress.Loopback, 80));
    }

    [Fact]
    public void Dual_stack_pair_across_two_rules_grants_the_ipv6_wildcard_naming_each_rule()
    {
        var plan = Plan("""
            [[allow]]
            name = "six"
            units = ["caddy.service"]
            ports = ["tcp/443"]
            addresses = ["::"]

            [[allow]]
            name = "four"
            units = ["caddy.service"]
            ports = ["tcp/443"]
            addresses = ["0.0.0.0"]
            """);
        Assert.Equal(["six", "four"], plan.RuleIds);
        Assert.Equal(
            [Wildcard(AddressFamily.InterNetworkV6, 443, GrantSubject.AnyUser, rule: 0), Wildcard(AddressFamily.InterNetwork, 443, GrantSubject.AnyUser, rule: 1)],
            plan.Scopes[Caddy]);
    }

    [Fact]
    public void Ipv6_wildcard_of_a_user_is_paired_by_an_any_user_ipv4_wildcard()
    {
        var entries = Plan("""
            [[allow]]
            units = ["caddy.service"]
            users = ["alice"]
            ports = ["tcp/443"]
            addresses = ["::"]

            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/443"]
            addresses = ["0.0.0.0"]
            """).Scopes[Caddy];
        Assert.Contains(Wildcard(AddressFamily.InterNetworkV6, 443, GrantSubject.User(FakeAccountDirectory.Alice), rule: 0), entries);
    }

    [Fact]
    public void Ports_from_the_unprivileged_port_start_up_get_no_entries()
    {
        var plan = Plan("""
            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/78-81", "udp/8080"]
            addresses = ["127.0.0.1"]
            """, unprivilegedPortStart: 80);
        Assert.Equal([(ushort)78, (ushort)79], plan.Scopes[Caddy].Select(entry => entry.Port));

        Assert.Empty(Plan("""
            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/8080"]
            """).Scopes);
    }

    [Fact]
    public void Groups_grant_the_gid_and_each_listed_member_by_uid()
    {
        var entries = Plan("""
            [[allow]]
            units = ["caddy.service"]
            groups = ["web"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1"]
            """).Scopes[Caddy];
        Assert.Equal(
            [GrantSubject.Group(FakeAccountDirectory.WebGroup), GrantSubject.User(FakeAccountDirectory.Alice)],
            entries.Select(entry => entry.Subject));
        Assert.NotNull(KernelGrantLookup.Find(entries, 65534, FakeAccountDirectory.WebGroup, PortProtocol.Tcp, IPAddress.Loopback, 80));
        Assert.NotNull(KernelGrantLookup.Find(entries, FakeAccountDirectory.Alice, 1001, PortProtocol.Tcp, IPAddress.Loopback, 80));
        Assert.Null(KernelGrantLookup.Find(entries, 65534, 65534, PortProtocol.Tcp, IPAddress.Loopback, 80));
    }

    [Fact]
    public void Each_unit_and_cgroup_is_its_own_scope_and_ordinary_rules_are_not_planned()
    {
        var plan = Plan("""
            [[allow]]
            name = "web"
            users = ["www-data"]
            ports = ["tcp/80"]

            [[allow]]
            name = "two"
            units = ["a.service", "b.scope"]
            cgroups = ["/c"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1"]
            """);
        Assert.Equal(["web", "two"], plan.RuleIds);
        Assert.Equal(
            [GrantScope.Unit("a.service"), GrantScope.Unit("b.scope"), GrantScope.Cgroup("/c")],
            plan.Scopes.Keys.OrderBy(scope => scope.Kind).ThenBy(scope => scope.Name, StringComparer.Ordinal));
        Assert.All(plan.Scopes.Values, entries => Assert.Equal(1u, Assert.Single(entries).RuleNumber));
    }

    [Fact]
    public void The_same_entry_from_two_rules_is_kept_once_for_the_first_rule()
    {
        var entries = Plan("""
            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1"]

            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/80-81"]
            addresses = ["127.0.0.1"]
            """).Scopes[Caddy];
        Assert.Equal([(80, 0u), (81, 1u)], entries.Select(entry => ((int)entry.Port, entry.RuleNumber)));
    }

    [Fact]
    public void Unprivileged_port_start_is_read_from_the_sysctl_file()
    {
        using var directory = new TempPolicyDirectory();
        Assert.Equal(80, UnprivilegedPortStart.Read(directory.Write("start", "80\n")));
        Assert.Equal(UnprivilegedPortStart.Default, UnprivilegedPortStart.Read(directory.PathOf("missing")));
        // ProcSubset=pid (privport.service) hides /proc/sys itself: the directory is missing, not just the file.
        Assert.Equal(UnprivilegedPortStart.Default, UnprivilegedPortStart.Read(directory.PathOf("hidden/ip_unprivileged_port_start")));
        var error = Assert.Throws<IOException>(() => UnprivilegedPortStart.Read(directory.Write("bad", "x\n")));
        Assert.Contains("not a port number", error.Message, StringComparison.Ordinal);
        Assert.InRange(UnprivilegedPortStart.Read(), 0, 65536);
    }

    [Fact]
    public void Enrolment_gets_the_callers_ordinary_rules_as_entries_for_its_uid()
    {
        var policy = Load("""
            [[allow]]
            name = "kernel"
            units = ["caddy.service"]
            ports = ["tcp/70"]

            [[allow]]
            name = "web"
            groups = ["web"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1"]

            [[allow]]
            name = "other"
            users = ["www-data"]
            ports = ["tcp/81"]
            """);
        var grants = new KernelGrantPlanner(new FakeAccountDirectory(), 1024).ForPeer(policy, Peer(FakeAccountDirectory.Alice, 1001, null, FakeAccountDirectory.WebGroup));
        Assert.Equal(["kernel", "web", "other"], grants.RuleIds);
        Assert.Equal([Specific(AddressFamily.InterNetwork, 80, GrantSubject.User(FakeAccountDirectory.Alice), 0x7f000001, 32, rule: 1)], grants.Entries);
        Assert.Empty(grants.LeftOut);
    }

    [Fact]
    public void Enrolment_leaves_out_exe_rules_interfaces_and_unpaired_ipv6_wildcards_saying_why()
    {
        var policy = Load("""
            [[allow]]
            name = "exe"
            users = ["alice"]
            exe = ["/bin/sh"]
            ports = ["tcp/80"]

            [[allow]]
            name = "six"
            users = ["alice"]
            ports = ["tcp/53"]
            addresses = ["::", "::1"]

            [[allow]]
            name = "link"
            users = ["alice"]
            ports = ["tcp/54"]
            addresses = ["fe80::1%1", "127.0.0.1"]

            [[allow]]
            name = "high"
            users = ["alice"]
            exe = ["/bin/sh"]
            ports = ["tcp/8080"]
            """);
        var grants = new KernelGrantPlanner(new FakeAccountDirectory(), 1024).ForPeer(policy, Peer(FakeAccountDirectory.Alice, 1001));
        Assert.Equal(
            [
                new LeftOutRule("exe", KernelGrantPlanner.ExeLeftOut),
                new LeftOutRule("link", KernelGrantPlanner.InterfaceLeftOut),
                new LeftOutRule("six", KernelGrantPlanner.DualStackLeftOut),
            ],
            grants.LeftOut);
        var alice = GrantSubject.User(FakeAccountDirectory.Alice);
        Assert.Equal(
            [Specific(AddressFamily.InterNetworkV6, 53, alice, 1, 128, rule: 1), Specific(AddressFamily.InterNetwork, 54, alice, 0x7f000001, 32, rule: 2)],
            grants.Entries);
        Assert.Equal("rule exe: the kernel cannot check which program binds; use privport wrap", grants.LeftOut[0].ToString());
    }

    [Fact]
    public void Enrolment_pairs_the_ipv6_wildcard_with_another_rules_ipv4_wildcard_but_not_with_an_exe_rules()
    {
        var policy = Load("""
            [[allow]]
            users = ["alice"]
            ports = ["tcp/53"]
            addresses = ["::"]

            [[allow]]
            users = ["alice"]
            ports = ["tcp/53"]
            addresses = ["0.0.0.0"]
            exe = ["/bin/sh"]
            """);
        var planner = new KernelGrantPlanner(new FakeAccountDirectory(), 1024);
        Assert.Empty(planner.ForPeer(policy, Peer(FakeAccountDirectory.Alice, 1001)).Entries);

        var paired = Load("""
            [[allow]]
            users = ["alice"]
            ports = ["tcp/53"]
            addresses = ["::"]

            [[allow]]
            groups = ["alice"]
            ports = ["tcp/53"]
            addresses = ["0.0.0.0"]
            """);
        var grants = planner.ForPeer(paired, Peer(FakeAccountDirectory.Alice, 1001));
        Assert.Equal(ImmutableArray<LeftOutRule>.Empty, grants.LeftOut);
        Assert.Equal(2, grants.Entries.Length);
    }
}
