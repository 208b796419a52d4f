using System.Net;
using Privport.Client;
using Privport.Policy;
using static Privport.Tests.Policy.FakeAccountDirectory;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>Who may bind what: deny by default, every named field must match.</summary>
public sealed class PortPolicyTests
{
    private static readonly PeerIdentity WwwDataPeer = Peer(WwwData, 33, "/usr/sbin/nginx");
    private static readonly PeerIdentity NobodyPeer = Peer(Nobody, 65534, "/usr/bin/python3.11");

    private static Decision Decide(string toml, PeerIdentity peer, string endpoint, bool ipv6Only = false) =>
        Load(toml).Decide(peer, Endpoint.Parse(endpoint), ipv6Only);

    private static void AssertAllowed(Decision decision, string ruleId)
    {
        Assert.True(decision.Allowed, decision.Reason);
        Assert.Equal(ruleId, decision.RuleId);
    }

    private static void AssertDenied(Decision decision)
    {
        Assert.False(decision.Allowed, decision.Reason);
        Assert.Null(decision.RuleId);
    }

    [Fact]
    public void Empty_policy_denies_everything() =>
        AssertDenied(Decide("", Peer(Root, 0), "tcp/80"));

    [Fact]
    public void Rule_allows_its_user_on_its_port()
    {
        var decision = Decide("[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n", WwwDataPeer, "tcp/80");
        AssertAllowed(decision, "web");
        Assert.Equal("granted by web", decision.Reason);
    }

    [Theory]
    [InlineData("tcp/81")]
    [InlineData("udp/80")]
    [InlineData("tcp/79")]
    public void Rule_does_not_allow_other_ports_or_protocols(string endpoint) =>
        AssertDenied(Decide("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n", WwwDataPeer, endpoint));

    [Theory]
    [InlineData("tcp/8000", true)]
    [InlineData("tcp/8050", true)]
    [InlineData("tcp/8099", true)]
    [InlineData("tcp/8100", false)]
    [InlineData("udp/8050", false)]
    public void Port_range_allows_exactly_the_ports_inside_it(string endpoint, bool allowed) =>
        Assert.Equal(allowed, Decide("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/8000-8099\"]\n", WwwDataPeer, endpoint).Allowed);

    [Fact]
    public void Rule_for_a_user_denies_other_users() =>
        AssertDenied(Decide("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n", NobodyPeer, "tcp/80"));

    [Fact]
    public void Star_allows_any_user() =>
        Assert.True(Decide("[[allow]]\nusers = [\"*\"]\nports = [\"tcp/80\"]\n", NobodyPeer, "tcp/80").Allowed);

    [Fact]
    public void Numeric_uid_matches_a_peer_without_an_account() =>
        Assert.True(Decide("[[allow]]\nusers = [\"70000\"]\nports = [\"tcp/80\"]\n", Peer(70000, 70000), "tcp/80").Allowed);

    [Fact]
    public void Group_rule_allows_a_peer_whose_primary_group_it_is() =>
        Assert.True(Decide("[[allow]]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n", Peer(5000, WebGroup), "tcp/80").Allowed);

    [Fact]
    public void Group_rule_allows_a_peer_with_it_as_a_supplementary_group() =>
        Assert.True(Decide("[[allow]]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n", Peer(Alice, 1001, null, 1001, WebGroup), "tcp/80").Allowed);

    [Fact]
    public void Group_rule_denies_a_peer_outside_the_group() =>
        AssertDenied(Decide("[[allow]]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n", Peer(Alice, 1001, null, 1001, DnsGroup), "tcp/80"));

    [Fact]
    public void Rule_naming_users_and_groups_needs_both()
    {
        const string toml = "[[allow]]\nusers = [\"alice\"]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n";
        Assert.True(Decide(toml, Peer(Alice, 1001, null, WebGroup), "tcp/80").Allowed);
        AssertDenied(Decide(toml, Peer(Alice, 1001), "tcp/80"));
        AssertDenied(Decide(toml, Peer(WwwData, 33, null, WebGroup), "tcp/80"));
    }

    [Fact]
    public void Exe_rule_allows_the_named_program()
    {
        using var directory = new TempPolicyDirectory();
        string nginx = directory.Write("sbin/nginx", "#!/bin/false\n");
        var policy = LoadExeRule(directory, nginx);

        Assert.True(policy.Decide(Peer(WwwData, 33, nginx), Endpoint.Parse("tcp/80"), ipv6Only: false).Allowed);
    }

    [Fact]
    public void Exe_rule_denies_another_file_shown_under_the_named_path()
    {
        // What a peer in a mount namespace of its own shows after bind-mounting its program over the rule's path.
        using var directory = new TempPolicyDirectory();
        string nginx = directory.Write("sbin/nginx", "#!/bin/false\n");
        string impostor = directory.Write("impostor", "#!/bin/false\n");
        var policy = LoadExeRule(directory, nginx);
        var peer = Peer(WwwData, 33, impostor) with { Exe = nginx };

        var decision = policy.Decide(peer, Endpoint.Parse("tcp/80"), ipv6Only: false);

        AssertDenied(decision);
        Assert.Contains($"the peer runs another file ({peer.ExeFile}) under the name {nginx}", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exe_rule_allows_the_same_file_under_another_name()
    {
        using var directory = new TempPolicyDirectory();
        string nginx = directory.Write("sbin/nginx", "#!/bin/false\n");
        string hardLink = directory.PathOf("elsewhere");
        var ln = await Privport.Tests.Infrastructure.Run.AsRootAsync("ln", nginx, hardLink);
        Assert.True(ln.ExitCode == 0, ln.ToString());
        var policy = LoadExeRule(directory, nginx);

        Assert.True(policy.Decide(Peer(WwwData, 33, hardLink), Endpoint.Parse("tcp/80"), ipv6Only: false).Allowed);
    }

    [Fact]
    public void Exe_rule_follows_a_replaced_program_without_a_reload()
    {
        // A package upgrade renames the new file over the old: processes still running the old one no longer match.
        using var directory = new TempPolicyDirectory();
        string nginx = directory.Write("sbin/nginx", "#!/bin/false\n");
        var policy = LoadExeRule(directory, nginx);
        var oldProcess = Peer(WwwData, 33, nginx);
        File.Move(directory.Write("sbin/nginx.dpkg-new", "#!/bin/true\n"), nginx, overwrite: true);
        var newProcess = Peer(WwwData, 33, nginx);

        AssertDenied(policy.Decide(oldProcess, Endpoint.Parse("tcp/80"), ipv6Only: false));
        Assert.True(policy.Decide(newProcess, Endpoint.Parse("tcp/80"), ipv6Only: false).Allowed);
    }

    private static PortPolicy LoadExeRule(TempPolicyDirectory directory, string exe) =>
        PolicyLoader.Load(directory.Write("policy.toml", $"[[allow]]\nusers = [\"www-data\"]\nexe = [\"{exe}\"]\nports = [\"tcp/80\"]\n"), new FakeAccountDirectory());

    [Fact]
    public void Exe_rule_denies_another_program_of_the_same_user() =>
        AssertDenied(Decide("[[allow]]\nusers = [\"www-data\"]\nexe = [\"/usr/sbin/nginx\"]\nports = [\"tcp/80\"]\n", Peer(WwwData, 33, "/usr/bin/python3.11"), "tcp/80"));

    [Fact]
    public void Exe_rule_denies_a_peer_whose_executable_is_unknown()
    {
        var decision = Decide("[[allow]]\nusers = [\"www-data\"]\nexe = [\"/usr/sbin/nginx\"]\nports = [\"tcp/80\"]\n", Peer(WwwData, 33, exe: null), "tcp/80");
        AssertDenied(decision);
        Assert.Contains("could not be read", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Exe_rule_naming_a_symlink_allows_the_program_it_points_to()
    {
        using var directory = new TempPolicyDirectory();
        string program = directory.Write("bin/python3.11", "#!/bin/false\n");
        File.CreateSymbolicLink(directory.PathOf("bin/python3"), "python3.11");
        string file = directory.Write("policy.toml", $"[[allow]]\nusers = [\"alice\"]\nexe = [\"{directory.PathOf("bin/python3")}\"]\nports = [\"tcp/80\"]\n");
        var policy = PolicyLoader.Load(file, new FakeAccountDirectory());

        Assert.True(policy.Decide(Peer(Alice, 1001, program), Endpoint.Parse("tcp/80"), ipv6Only: false).Allowed);
    }

    [Fact]
    public void Rule_for_specific_address_does_not_grant_ipv4_wildcard()
    {
        const string toml = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"192.0.2.10\"]\n";
        Assert.True(Decide(toml, WwwDataPeer, "tcp/192.0.2.10:80").Allowed);
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/0.0.0.0:80"));
    }

    [Fact]
    public void Rule_for_ipv4_wildcard_does_not_grant_a_specific_address_or_the_ipv6_wildcard()
    {
        const string toml = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"0.0.0.0\"]\n";
        Assert.True(Decide(toml, WwwDataPeer, "tcp/0.0.0.0:80").Allowed);
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/127.0.0.1:80"));
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/[::]:80", ipv6Only: true));
    }

    [Fact]
    public void Rule_for_a_prefix_grants_addresses_inside_it_but_not_the_wildcard()
    {
        const string toml = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"127.0.0.0/8\", \"0.0.0.0/0\", \"::/0\"]\n";
        Assert.True(Decide(toml, WwwDataPeer, "tcp/127.0.0.53:80").Allowed);
        Assert.True(Decide(toml, WwwDataPeer, "tcp/[2001:db8::1]:80").Allowed);
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/0.0.0.0:80"));
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/[::]:80", ipv6Only: true));
    }

    [Theory]
    [InlineData("tcp/0.0.0.0:80", false)]
    [InlineData("tcp/[::]:80", false)]
    [InlineData("tcp/[::]:80", true)]
    [InlineData("tcp/127.0.0.1:80", false)]
    [InlineData("tcp/[fe80::1]:80", false)]
    public void Rule_without_addresses_grants_any_address_wildcards_included(string endpoint, bool ipv6Only) =>
        Assert.True(Decide("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n", WwwDataPeer, endpoint, ipv6Only).Allowed);

    [Fact]
    public void Ipv4_mapped_request_is_matched_as_ipv4()
    {
        var policy = Load("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"127.0.0.1\"]\n");
        var mapped = new Endpoint(PortProtocol.Tcp, IPAddress.Parse("::ffff:127.0.0.1"), 80);

        Assert.True(policy.Decide(WwwDataPeer, mapped, ipv6Only: false).Allowed);
    }

    [Fact]
    public void Ipv4_mapped_wildcard_request_is_the_ipv4_wildcard()
    {
        var policy = Load("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"127.0.0.1\"]\n");
        var mapped = new Endpoint(PortProtocol.Tcp, IPAddress.Parse("::ffff:0.0.0.0"), 80);

        AssertDenied(policy.Decide(WwwDataPeer, mapped, ipv6Only: false));
    }

    [Fact]
    public void Rule_address_without_scope_matches_a_request_with_a_scope()
    {
        var policy = Load("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"fe80::1\"]\n");
        var scoped = new Endpoint(PortProtocol.Tcp, new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 2), 80);

        Assert.True(policy.Decide(WwwDataPeer, scoped, ipv6Only: false).Allowed);
    }

    [Fact]
    public void Dual_stack_wildcard_is_denied_when_only_the_ipv6_wildcard_is_allowed()
    {
        var decision = Decide("[[allow]]\nname = \"web6\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"::\"]\n", WwwDataPeer, "tcp/[::]:80");
        AssertDenied(decision);
        Assert.Contains("rule web6 (policy.toml:1)", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0:80", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("IPV6_V6ONLY", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("allow \"0.0.0.0\"", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void V6only_wildcard_needs_only_the_ipv6_wildcard() =>
        AssertAllowed(
            Decide("[[allow]]\nname = \"web6\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"::\"]\n", WwwDataPeer, "tcp/[::]:80", ipv6Only: true),
            "web6");

    [Fact]
    public void Dual_stack_wildcard_is_allowed_by_one_rule_listing_both_wildcards() =>
        AssertAllowed(
            Decide("[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"::\", \"0.0.0.0\"]\n", WwwDataPeer, "tcp/[::]:80"),
            "web");

    [Fact]
    public void Dual_stack_wildcard_allowed_by_two_rules_names_both()
    {
        var decision = Decide("""
            [[allow]]
            name = "web6"
            users = ["www-data"]
            ports = ["tcp/80"]
            addresses = ["::"]

            [[allow]]
            name = "web4"
            users = ["www-data"]
            ports = ["tcp/80"]
            addresses = ["0.0.0.0"]
            """, WwwDataPeer, "tcp/[::]:80");
        AssertAllowed(decision, "web6+web4");
        Assert.Contains("web6", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("web4", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Dual_stack_ipv4_half_must_be_allowed_for_the_same_protocol_and_port()
    {
        const string toml = """
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            addresses = ["::"]

            [[allow]]
            users = ["www-data"]
            ports = ["udp/80", "tcp/81"]
            addresses = ["0.0.0.0"]
            """;
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/[::]:80"));
    }

    [Fact]
    public void Dual_stack_ipv4_half_must_be_allowed_for_the_same_peer()
    {
        const string toml = """
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            addresses = ["::"]

            [[allow]]
            users = ["alice"]
            ports = ["tcp/80"]
            addresses = ["0.0.0.0"]
            """;
        AssertDenied(Decide(toml, WwwDataPeer, "tcp/[::]:80"));
    }

    [Fact]
    public void First_allowing_rule_in_file_order_is_reported()
    {
        const string toml = """
            [[allow]]
            name = "other"
            users = ["alice"]
            ports = ["tcp/80"]

            [[allow]]
            name = "first"
            users = ["*"]
            ports = ["tcp/80"]

            [[allow]]
            name = "second"
            users = ["www-data"]
            ports = ["tcp/1-1023"]
            """;
        AssertAllowed(Decide(toml, WwwDataPeer, "tcp/80"), "first");
    }

    [Fact]
    public void Rule_order_does_not_change_whether_a_request_is_allowed()
    {
        const string narrow = "[[allow]]\nusers = [\"alice\"]\nports = [\"tcp/80\"]\naddresses = [\"127.0.0.1\"]\n";
        const string broad = "[[allow]]\ngroups = [\"www-data\"]\nports = [\"tcp/1-1023\"]\n";
        foreach (string endpoint in new[] { "tcp/80", "tcp/127.0.0.1:80", "tcp/[::1]:443", "udp/53" })
        {
            Assert.Equal(
                Decide(narrow + broad, WwwDataPeer, endpoint).Allowed,
                Decide(broad + narrow, WwwDataPeer, endpoint).Allowed);
        }
    }

    [Fact]
    public void Allowed_requests_share_one_decision_per_rule()
    {
        var policy = Load("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        var endpoint = Endpoint.Parse("tcp/80");
        Assert.Same(policy.Decide(WwwDataPeer, endpoint, false), policy.Decide(WwwDataPeer, endpoint, false));
    }
}
