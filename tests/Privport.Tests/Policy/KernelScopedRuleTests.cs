using Privport.Client;
using Privport.Policy;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>
/// Rules naming units or cgroups: what they parse to, that the broker never grants them, and every error for what
/// the kernel path cannot enforce.
/// </summary>
public sealed class KernelScopedRuleTests
{
    [Fact]
    public void Units_and_cgroups_parse_and_make_the_rule_kernel_scoped_without_users()
    {
        var rule = Assert.Single(Load("""
            [[allow]]
            name = "caddy"
            units = ["caddy.service", "getty@tty1.service"]
            cgroups = ["/system.slice/caddy.service"]
            ports = ["tcp/80", "tcp/443"]
            """).Rules);
        Assert.True(rule.IsKernelScoped);
        Assert.Equal(["caddy.service", "getty@tty1.service"], rule.Units);
        Assert.Equal(["/system.slice/caddy.service"], rule.Cgroups);
        Assert.Equal("unit caddy.service, unit getty@tty1.service, cgroup /system.slice/caddy.service", rule.KernelScopeText);
    }

    [Fact]
    public void An_ordinary_rule_still_needs_users_or_groups_and_the_error_mentions_units()
    {
        var error = SingleError("""
            [[allow]]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("users", 1), (error.Field, error.Line));
        Assert.Contains("units = [\"NAME.service\"]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broker_never_grants_a_kernel_scoped_rule_and_says_where_it_grants()
    {
        var policy = Load("""
            [[allow]]
            name = "caddy"
            units = ["caddy.service"]
            users = ["www-data"]
            ports = ["tcp/80"]
            """);
        var decision = policy.Decide(Peer(FakeAccountDirectory.WwwData, 33), Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false);
        Assert.False(decision.Allowed);
        Assert.Equal("rule caddy (policy.toml:1) grants tcp/80 only in the kernel, to unit caddy.service; run the program there", decision.Reason);
        Assert.Equal("caddy", decision.NearestRuleId);
    }

    [Fact]
    public void Broker_still_grants_an_ordinary_rule_after_a_kernel_scoped_one()
    {
        var policy = Load("""
            [[allow]]
            name = "caddy"
            units = ["caddy.service"]
            ports = ["tcp/80"]

            [[allow]]
            name = "web"
            users = ["www-data"]
            ports = ["tcp/80"]
            """);
        var decision = policy.Decide(Peer(FakeAccountDirectory.WwwData, 33), Endpoint.Parse("tcp/127.0.0.1:80"), ipv6Only: false);
        Assert.Equal((true, "web"), (decision.Allowed, decision.RuleId));
    }

    [Theory]
    [InlineData("unit", "units")]
    [InlineData("service", "units")]
    [InlineData("cgroup", "cgroups")]
    public void Unknown_key_suggests_units_or_cgroups(string key, string meant)
    {
        var error = SingleError($"""
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            {key} = ["x"]
            """);
        Assert.Equal((key, 4), (error.Field, error.Line));
        Assert.Contains($"did you mean '{meant}'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("units, cgroups", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("caddy", "'caddy' has no unit type; did you mean caddy.service?")]
    [InlineData("multi-user.target", "'multi-user.target' runs no processes of its own, so no program binds in its cgroup; name the .service it starts instead")]
    [InlineData("caddy.conf", "'caddy.conf' does not end in a unit type that runs processes; use .service, .scope, .slice, .socket, .mount, .swap, e.g. caddy.service")]
    [InlineData("getty@.service", "'getty@.service' is a template, which has no cgroup; name an instance, e.g. getty@INSTANCE.service")]
    [InlineData("a@b@c.service", "'a@b@c.service' is not a unit name: write NAME.service or NAME@INSTANCE.service")]
    [InlineData(".service", "'.service' is not a unit name: write NAME.service or NAME@INSTANCE.service")]
    [InlineData("my unit.service", "'my unit.service' is not a unit name: only ASCII letters, digits and : - _ . \\ @ are allowed (systemd-escape escapes the rest)")]
    public void Invalid_unit_names_are_refused_with_what_to_write(string unit, string message)
    {
        var error = SingleError($"""
            [[allow]]
            units = ["{unit.Replace("\\", "\\\\", StringComparison.Ordinal)}"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("units", 2, message), (error.Field, error.Line, error.Message));
    }

    [Fact]
    public void A_unit_name_longer_than_systemd_allows_is_refused()
    {
        var error = SingleError($"[[allow]]\nunits = [\"{new string('a', 248)}.service\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("units", 2), (error.Field, error.Line));
        Assert.Contains("1 to 255 characters", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("system.slice/caddy.service", "'system.slice/caddy.service' is not absolute; write the path from the cgroup v2 root, e.g. /system.slice/caddy.service (see /proc/PID/cgroup)")]
    [InlineData("/", "'/' is the root cgroup, which holds every process on the host; name the cgroup the program runs in, e.g. /system.slice/caddy.service")]
    [InlineData("/system.slice/", "'/system.slice/' is not written in its plain form; write /system.slice")]
    [InlineData("/a//b", "'/a//b' is not written in its plain form; write /a/b")]
    [InlineData("/a/./b", "'/a/./b' is not written in its plain form; write /a/b")]
    [InlineData("/a/../b", "'/a/../b' contains '..'; write the cgroup's own path from the root, without '..'")]
    [InlineData("/.", "'/.' names the root cgroup, which holds every process on the host; name the cgroup the program runs in")]
    public void Invalid_cgroup_paths_are_refused_with_what_to_write(string path, string message)
    {
        var error = SingleError($"""
            [[allow]]
            cgroups = ["{path}"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("cgroups", 2, message), (error.Field, error.Line, error.Message));
    }

    [Fact]
    public void Exe_with_units_is_refused_because_the_kernel_cannot_check_the_program()
    {
        var error = SingleError("""
            [[allow]]
            units = ["caddy.service"]
            exe = ["/usr/bin/caddy"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("exe", 3), (error.Field, error.Line));
        Assert.Contains("cannot be combined with units: the kernel cannot check which program binds", error.Message, StringComparison.Ordinal);
        Assert.Contains("privport wrap", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reuseport")]
    [InlineData("any_network_namespace")]
    public void Open_options_with_cgroups_are_refused(string option)
    {
        var error = SingleError($"""
            [[allow]]
            cgroups = ["/web"]
            ports = ["tcp/80"]
            {option} = true
            """);
        Assert.Equal((option, 4), (error.Field, error.Line));
        Assert.Contains("is an option of the broker's OPEN and means nothing with cgroups", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Users_with_groups_in_a_kernel_scoped_rule_are_refused()
    {
        var error = SingleError("""
            [[allow]]
            units = ["caddy.service"]
            users = ["www-data"]
            groups = ["web"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("groups", 4), (error.Field, error.Line));
        Assert.Contains("the kernel matches one uid or one gid, not both at once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_local_address_with_an_interface_is_refused_in_a_kernel_scoped_rule()
    {
        var error = SingleError("""
            [[allow]]
            units = ["caddy.service"]
            ports = ["tcp/80"]
            addresses = ["fe80::1%1"]
            """);
        Assert.Equal(("addresses", 4), (error.Field, error.Line));
        Assert.Contains("cannot tell which interface", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6_wildcard_without_the_ipv4_wildcard_is_refused_naming_file_line_and_field()
    {
        var error = SingleError("""
            [[allow]]
            name = "dns"
            units = ["coredns.service"]
            ports = ["udp/53"]
            addresses = ["::"]
            """);
        Assert.Equal(("policy.toml", 1, "addresses"), (Path.GetFileName(error.File), error.Line, error.Field));
        Assert.Equal(
            "\"::\" grants udp/53 to any user in unit coredns.service without \"0.0.0.0\": the kernel cannot tell an IPv6-only bind of [::] from a dual-stack one; "
            + "add \"0.0.0.0\" (here or in a rule for the same units/cgroups and users) or use the broker path",
            error.Message);
    }

    [Fact]
    public void Ipv6_wildcard_paired_by_another_rule_for_the_same_unit_loads_but_not_by_another_unit()
    {
        Assert.Equal(2, Load("""
            [[allow]]
            units = ["coredns.service"]
            ports = ["udp/53"]
            addresses = ["::"]

            [[allow]]
            units = ["coredns.service"]
            ports = ["udp/53"]
            addresses = ["0.0.0.0"]
            """).Rules.Length);

        var error = SingleError("""
            [[allow]]
            units = ["coredns.service"]
            users = ["www-data"]
            ports = ["udp/53-54"]
            addresses = ["::"]

            [[allow]]
            units = ["other.service"]
            ports = ["udp/53-54"]
            addresses = ["0.0.0.0"]

            [[allow]]
            units = ["coredns.service"]
            users = ["www-data"]
            ports = ["udp/53"]
            addresses = ["0.0.0.0"]
            """);
        Assert.Equal(1, error.Line);
        Assert.StartsWith("\"::\" grants udp/54 to uid 33 in unit coredns.service without \"0.0.0.0\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_check_text_and_json_show_units_cgroups_and_the_path()
    {
        var policy = Load("""
            [[allow]]
            name = "caddy"
            units = ["caddy.service"]
            cgroups = ["/web"]
            ports = ["tcp/80"]
            """);
        using var text = new StringWriter();
        PolicyTextWriter.Write(policy, text);
        Assert.Contains("  units      caddy.service\n", text.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  cgroups    /web\n", text.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  path       kernel only", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("  users      any uid in those cgroups (the cgroup is the identity)", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("reuseport", text.ToString(), StringComparison.Ordinal);

        using var json = new StringWriter();
        PolicyJsonWriter.Write(policy, json);
        using var document = System.Text.Json.JsonDocument.Parse(json.ToString());
        var rule = document.RootElement.GetProperty("rules")[0];
        Assert.Equal("caddy.service", rule.GetProperty("units")[0].GetString());
        Assert.Equal("/web", rule.GetProperty("cgroups")[0].GetString());
        Assert.Equal("kernel", rule.GetProperty("path").GetString());
    }
}
