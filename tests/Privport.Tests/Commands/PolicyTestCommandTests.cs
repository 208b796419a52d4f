using Privport.Commands;
using Privport.Tests.Policy;

namespace Privport.Tests.Commands;

public sealed class PolicyTestCommandTests : IDisposable
{
    private readonly TempPolicyDirectory _directory = new();
    private readonly string _policy;

    // Programs of their own: exe rules compare files, so the test must not depend on what this host has installed.
    private readonly string _nginx;
    private readonly string _perl;

    public PolicyTestCommandTests()
    {
        _nginx = _directory.Write("sbin/nginx", "#!/bin/false\n");
        _perl = _directory.Write("bin/perl", "#!/bin/false\n");
        _policy = _directory.Write("policy.toml", $$"""
            [[allow]]
            name = "web"
            users = ["www-data"]
            exe = ["{{_nginx}}"]
            ports = ["tcp/80", "tcp/443"]

            [[allow]]
            name = "web-group"
            groups = ["web"]
            ports = ["tcp/8080"]

            [[allow]]
            name = "dns6"
            users = ["alice"]
            ports = ["udp/53"]
            addresses = ["::"]
            """);
    }

    public void Dispose() => _directory.Dispose();

    private (int ExitCode, string Stdout, string Stderr) Run(
        string user, string endpoint, string? exe = null, string[]? groups = null, bool ipv6Only = false, string? policy = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = new PolicyTestCommand(new FakeAccountDirectory())
            .Run(policy ?? _policy, user, exe, groups ?? [], ipv6Only, endpoint, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Allowed_request_prints_the_granting_rule_and_exits_ok()
    {
        var (exitCode, stdout, stderr) = Run("www-data", "tcp/443", exe: _nginx);
        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("allow: granted by web\npath: broker\n", stdout.ReplaceLineEndings("\n"));
        Assert.Empty(stderr);
    }

    [Fact]
    public void Denied_request_prints_the_reason_and_exits_denied()
    {
        var (exitCode, stdout, _) = Run("www-data", "tcp/443", exe: _perl);
        Assert.Equal(ExitCodes.Denied, exitCode);
        Assert.Equal($"deny: rule web (policy.toml:1) allows tcp/443 only for {_nginx}; the peer runs {_perl}\n", stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void An_exe_missing_on_this_host_matches_no_exe_rule_and_says_why()
    {
        string missing = _directory.PathOf("sbin/not-installed");
        string policy = _directory.Write("missing.toml", $"[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nexe = [\"{missing}\"]\nports = [\"tcp/80\"]\n");

        var (exitCode, stdout, stderr) = Run("www-data", "tcp/80", exe: missing, policy: policy);

        Assert.Equal(ExitCodes.Denied, exitCode);
        Assert.Contains("could not be read", stdout, StringComparison.Ordinal);
        Assert.Contains($"note: {missing} cannot be read here", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_exe_a_rule_naming_exe_denies()
    {
        var (exitCode, stdout, _) = Run("www-data", "tcp/80");
        Assert.Equal(ExitCodes.Denied, exitCode);
        Assert.Contains("could not be read", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Numeric_uid_is_a_user()
    {
        var (exitCode, stdout, _) = Run("33", "tcp/80", exe: _nginx);
        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith("allow:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Users_groups_come_from_the_account_directory() =>
        Assert.Equal(ExitCodes.Ok, Run("alice", "tcp/8080").ExitCode);

    [Fact]
    public void Extra_group_is_added_to_the_peers_groups()
    {
        Assert.Equal(ExitCodes.Denied, Run("nobody", "tcp/8080").ExitCode);
        Assert.Equal(ExitCodes.Ok, Run("nobody", "tcp/8080", groups: ["web"]).ExitCode);
        Assert.Equal(ExitCodes.Ok, Run("nobody", "tcp/8080", groups: ["2000"]).ExitCode);
    }

    [Fact]
    public void V6only_decides_whether_the_ipv4_half_is_needed()
    {
        var (dualStack, stdout, _) = Run("alice", "udp/[::]:53");
        Assert.Equal(ExitCodes.Denied, dualStack);
        Assert.Contains("IPV6_V6ONLY", stdout, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, Run("alice", "udp/[::]:53", ipv6Only: true).ExitCode);
    }

    [Fact]
    public void Exe_symlink_is_resolved_as_the_kernel_would()
    {
        string program = _directory.Write("bin/nginx-1.24", "");
        string link = _directory.PathOf("bin/nginx");
        File.CreateSymbolicLink(link, "nginx-1.24");
        string policy = _directory.Write("exe.toml", $"[[allow]]\nname = \"real\"\nusers = [\"www-data\"]\nexe = [\"{program}\"]\nports = [\"tcp/80\"]\n");

        var (exitCode, stdout, stderr) = Run("www-data", "tcp/80", exe: link, policy: policy);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("allow: granted by real\npath: broker\n", stdout.ReplaceLineEndings("\n"));
        Assert.Contains($"{link} resolves to {program}", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghost", "tcp/80", null, null, "unknown user 'ghost'")]
    [InlineData("70000", "tcp/80", null, null, "unknown user '70000'")]
    [InlineData("www-data", "tcp80", null, null, "'tcp80' is not an endpoint")]
    [InlineData("www-data", "sctp/80", null, null, "protocol 'sctp'")]
    [InlineData("www-data", "tcp/80", "nginx", null, "not an absolute path")]
    [InlineData("www-data", "tcp/80", null, "ghosts", "unknown group 'ghosts'")]
    public void Bad_user_endpoint_exe_or_group_is_a_usage_error(string user, string endpoint, string? exe, string? group, string message)
    {
        var (exitCode, stdout, stderr) = Run(user, endpoint, exe, group is null ? [] : [group]);
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Empty(stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_errors_are_printed_like_policy_check_and_exit_config()
    {
        string broken = _directory.Write("broken.toml", "[[allow]]\nusers = [\"www-data\"]\n");
        var (exitCode, stdout, stderr) = Run("www-data", "tcp/80", policy: broken);
        Assert.Equal(ExitCodes.Config, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith($"{broken}:1: ports: missing", stderr, StringComparison.Ordinal);
    }
}
