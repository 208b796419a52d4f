using Privport.Client;
using Privport.Policy;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void Default_path_is_etc_privport_policy_toml() =>
        Assert.Equal("/etc/privport/policy.toml", PolicyLoader.DefaultPath);

    [Fact]
    public void Rule_reads_every_field()
    {
        var rule = Assert.Single(Load("""
            [[allow]]
            name = "web"
            users = ["www-data", "1001", 4242]
            groups = ["web", 2001]
            exe = ["/usr/sbin/nginx"]
            ports = ["tcp/80", "udp/53", "tcp/8000-8099"]
            addresses = ["0.0.0.0", "::", "127.0.0.0/8"]
            """).Rules);
        Assert.Equal(("web", "web", 1), (rule.Id, rule.Name, rule.Line));
        Assert.Equal([new AccountId(33, "www-data"), new AccountId(1001, null), new AccountId(4242, null)], rule.Users);
        Assert.Equal([new AccountId(FakeAccountDirectory.WebGroup, "web"), new AccountId(2001, null)], rule.Groups);
        Assert.Equal("/usr/sbin/nginx", Assert.Single(rule.Executables).Written);
        Assert.Equal(
            [new PortRange(PortProtocol.Tcp, 80, 80), new PortRange(PortProtocol.Udp, 53, 53), new PortRange(PortProtocol.Tcp, 8000, 8099)],
            rule.Ports);
        Assert.Equal(["0.0.0.0", "::", "127.0.0.0/8"], rule.Addresses.Select(a => a.Text));
        Assert.False(rule.AnyUser);
    }

    [Fact]
    public void Star_means_any_user()
    {
        var rule = Assert.Single(Load("[[allow]]\nusers = [\"*\"]\nports = [\"tcp/80\"]\n").Rules);
        Assert.True(rule.AnyUser);
    }

    [Fact]
    public void Rule_without_a_name_is_identified_by_file_name_and_line_of_its_allow()
    {
        var policy = Load("""
            # web servers
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]

            [[allow]]
            name = "dns"
            users = ["alice"]
            ports = ["udp/53"]
            """);
        Assert.Equal(["policy.toml:2", "dns"], policy.Rules.Select(r => r.Id));
        Assert.Equal("rule policy.toml:2", policy.Rules[0].Label);
        Assert.Equal("rule dns (policy.toml:6)", policy.Rules[1].Label);
    }

    [Fact]
    public void Empty_policy_loads_with_no_rules()
    {
        var policy = Load("# nothing allowed yet\n");
        Assert.Empty(policy.Rules);
        Assert.Single(policy.Files);
    }

    [Fact]
    public void Exe_symlink_is_resolved_and_both_forms_kept()
    {
        using var directory = new TempPolicyDirectory();
        string program = directory.Write("bin/python3.11", "#!/bin/false\n");
        string link = directory.PathOf("bin/python3");
        File.CreateSymbolicLink(link, "python3.11");
        string policyFile = directory.Write("policy.toml", $"[[allow]]\nusers = [\"alice\"]\nexe = [\"{link}\"]\nports = [\"tcp/80\"]\n");

        var policy = PolicyLoader.Load(policyFile, new FakeAccountDirectory());

        var exe = Assert.Single(Assert.Single(policy.Rules).Executables);
        Assert.Equal((link, program), (exe.Written, exe.Resolved));
        Assert.Empty(policy.Warnings);
    }

    [Fact]
    public void Exe_that_does_not_exist_loads_with_a_warning()
    {
        var policy = Load("[[allow]]\nusers = [\"alice\"]\nexe = [\"/opt/not-installed-yet/bin/app\"]\nports = [\"tcp/80\"]\n");
        var warning = Assert.Single(policy.Warnings);
        Assert.Equal(("exe", 3), (warning.Field, warning.Line));
        Assert.Contains("does not exist", warning.Message, StringComparison.Ordinal);
        Assert.Single(policy.Rules);
    }

    [Fact]
    public void Directory_named_like_a_toml_file_is_skipped()
    {
        using var directory = new TempPolicyDirectory();
        Directory.CreateDirectory(directory.PathOf("nested.toml"));
        directory.Write("web.toml", "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");

        var policy = PolicyLoader.Load(directory.Root, new FakeAccountDirectory());

        Assert.Equal(["web.toml"], policy.Files.Select(Path.GetFileName));
    }
}
