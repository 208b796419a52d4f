using System.Text;
using Privport.Client;
using Privport.Policy;
using static Privport.Tests.Policy.FakeAccountDirectory;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>Deny reasons name the nearest miss and what to change, and fit the reply's reason field.</summary>
public sealed class DenyReasonTests
{
    private const string WebRule = """
        # web servers
        [[allow]]

        name = "web"
        users = ["www-data"]
        exe = ["/usr/sbin/nginx"]
        ports = ["tcp/80"]
        addresses = ["127.0.0.1", "::1"]
        """;

    private static string Reason(string toml, PeerIdentity peer, string endpoint, bool ipv6Only = false)
    {
        var decision = Load(toml).Decide(peer, Endpoint.Parse(endpoint), ipv6Only);
        Assert.False(decision.Allowed);
        return decision.Reason;
    }

    [Fact]
    public void Exe_miss_names_the_rule_the_allowed_program_and_the_peers()
    {
        Assert.Equal(
            "rule web (policy.toml:2) allows tcp/80 only for /usr/sbin/nginx; the peer runs /usr/bin/python3.11",
            Reason(WebRule, Peer(WwwData, 33, "/usr/bin/python3.11"), "tcp/127.0.0.1:80"));
    }

    [Fact]
    public void User_miss_names_the_rule_and_the_peer()
    {
        Assert.Equal(
            "rule web (policy.toml:2) covers tcp/80 but not uid 65534",
            Reason(WebRule, Peer(Nobody, 65534, "/usr/sbin/nginx"), "tcp/127.0.0.1:80"));
    }

    [Fact]
    public void Group_miss_names_the_groups_the_peer_is_not_in()
    {
        Assert.Equal(
            "rule policy.toml:1 covers tcp/80 only for members of web (2000); uid 65534 is not one",
            Reason("[[allow]]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n", Peer(Nobody, 65534), "tcp/80"));
    }

    [Fact]
    public void Group_miss_of_a_listed_user_names_the_groups_not_the_user()
    {
        Assert.Equal(
            "rule policy.toml:1 covers tcp/80 only for members of web (2000); uid 33 (www-data) is not one",
            Reason("[[allow]]\nusers = [\"www-data\"]\ngroups = [\"web\"]\nports = [\"tcp/80\"]\n", Peer(WwwData, 33), "tcp/80"));
    }

    [Fact]
    public void Peer_without_an_account_is_named_by_uid_alone()
    {
        Assert.Equal(
            "no rule allows tcp/0.0.0.0:80 (uid 70000)",
            Reason("", Peer(70000, 70000), "tcp/80"));
    }

    [Fact]
    public void No_covering_rule_names_the_endpoint_and_the_peer()
    {
        Assert.Equal(
            "no rule allows tcp/127.0.0.1:80 (uid 65534)",
            Reason("[[allow]]\nusers = [\"*\"]\nports = [\"tcp/443\", \"udp/80\"]\n", Peer(Nobody, 65534), "tcp/127.0.0.1:80"));
    }

    [Fact]
    public void Address_miss_lists_the_allowed_addresses_and_what_to_add()
    {
        Assert.Equal(
            "rule web (policy.toml:2) allows tcp/80 only on 127.0.0.1, ::1, not on 0.0.0.0; add \"0.0.0.0\" to its addresses",
            Reason(WebRule, Peer(WwwData, 33, "/usr/sbin/nginx"), "tcp/80"));
    }

    [Fact]
    public void Nearest_miss_is_the_rule_matching_the_most_fields()
    {
        const string toml = """
            [[allow]]
            name = "other"
            users = ["alice"]
            exe = ["/usr/bin/other"]
            ports = ["tcp/80"]
            addresses = ["10.0.0.1"]

            [[allow]]
            name = "web"
            users = ["www-data"]
            exe = ["/usr/sbin/nginx"]
            ports = ["tcp/80"]
            """;
        Assert.StartsWith("rule web (policy.toml:8) allows tcp/80 only for /usr/sbin/nginx", Reason(toml, Peer(WwwData, 33, "/usr/bin/python3.11"), "tcp/80"), StringComparison.Ordinal);
    }

    [Fact]
    public void Equally_near_misses_report_the_first_rule_in_file_order()
    {
        const string toml = """
            [[allow]]
            name = "first"
            users = ["alice"]
            ports = ["tcp/80"]

            [[allow]]
            name = "second"
            users = ["www-data"]
            ports = ["tcp/80"]
            """;
        Assert.StartsWith("rule first (policy.toml:1)", Reason(toml, Peer(Nobody, 65534), "tcp/80"), StringComparison.Ordinal);
    }

    [Fact]
    public void Long_lists_are_shortened()
    {
        string reason = Reason(
            "[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"10.0.0.1\", \"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\", \"10.0.0.5\"]\n",
            Peer(WwwData, 33), "tcp/10.0.0.9:80");
        Assert.Contains("10.0.0.1, 10.0.0.2, 10.0.0.3 (+2 more)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reason_fits_the_wire_field_however_long_the_paths()
    {
        string longPath = "/opt/" + new string('x', 300) + "/bin/server";
        string reason = Reason(
            $"[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nexe = [\"{longPath}\"]\nports = [\"tcp/80\"]\n",
            Peer(WwwData, 33, "/opt/" + new string('y', 300)), "tcp/80");
        Assert.True(Encoding.UTF8.GetByteCount(reason) <= DenyReason.MaxBytes, reason);
        Assert.EndsWith("...", reason, StringComparison.Ordinal);
        Assert.StartsWith("rule web (policy.toml:1) allows tcp/80 only for /opt/xxx", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Dual_stack_reason_fits_the_wire_field_with_the_longest_rule_name()
    {
        string name = new('n', 64);
        string reason = Reason($"[[allow]]\nname = \"{name}\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"::\"]\n", Peer(WwwData, 33), "tcp/[::]:80");
        Assert.True(Encoding.UTF8.GetByteCount(reason) <= DenyReason.MaxBytes, reason);
        Assert.Contains("IPV6_V6ONLY", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_cuts_on_a_character_boundary()
    {
        string text = new string('a', 170) + new string('é', 20);
        string fitted = DenyReason.Fit(text);
        Assert.True(Encoding.UTF8.GetByteCount(fitted) <= DenyReason.MaxBytes);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(fitted)));
        Assert.EndsWith("é...", fitted, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_from_the_peers_executable_are_neutralized()
    {
        string reason = Reason(WebRule, Peer(WwwData, 33, "/tmp/evil\n\u001b[2Jdeny\u009b"), "tcp/127.0.0.1:80");
        Assert.EndsWith("the peer runs /tmp/evil??[2Jdeny?", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_leaves_short_reasons_alone() =>
        Assert.Equal("short", DenyReason.Fit("short"));
}
