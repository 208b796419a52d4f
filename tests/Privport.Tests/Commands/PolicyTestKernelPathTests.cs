using System.Text.Json;
using Privport.Commands;
using Privport.Tests.Policy;

namespace Privport.Tests.Commands;

/// <summary><c>policy test --unit/--cgroup</c>: which path, kernel or broker, would grant a bind, in text and JSON.</summary>
public sealed class PolicyTestKernelPathTests : IDisposable
{
    private readonly TempPolicyDirectory _directory = new();
    private readonly string _policy;

    public PolicyTestKernelPathTests()
    {
        _policy = _directory.Write("policy.toml", """
            [[allow]]
            name = "caddy"
            units = ["caddy.service"]
            cgroups = ["/web"]
            users = ["www-data"]
            ports = ["tcp/80"]

            [[allow]]
            name = "broker"
            users = ["www-data"]
            ports = ["tcp/443"]
            """);
    }

    public void Dispose() => _directory.Dispose();

    private (int ExitCode, string Stdout, string Stderr) Run(string endpoint, string? unit = null, string? cgroup = null, bool json = false, string user = "www-data")
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = new PolicyTestCommand(new FakeAccountDirectory(), () => 1024)
            .Run(new PolicyTestRequest(_policy, user, null, [], false, endpoint, unit, cgroup, json), stdout, stderr);
        return (exitCode, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString());
    }

    [Fact]
    public void A_process_in_the_unit_is_granted_by_the_kernel()
    {
        var (exitCode, stdout, _) = Run("tcp/80", unit: "caddy.service");
        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("allow: granted by caddy in the kernel, to unit caddy.service\npath: kernel\n", stdout);
    }

    [Fact]
    public void A_process_below_the_cgroup_is_granted_by_the_kernel_but_not_in_a_sibling()
    {
        Assert.Equal("allow: granted by caddy in the kernel, to cgroup /web\npath: kernel\n", Run("tcp/80", cgroup: "/web/worker").Stdout);
        var (exitCode, stdout, _) = Run("tcp/80", cgroup: "/webby");
        Assert.Equal(ExitCodes.Denied, exitCode);
        Assert.StartsWith("deny: rule caddy (policy.toml:1) grants tcp/80 only in the kernel, to unit caddy.service, cgroup /web", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_any_unit_the_broker_path_grants_ordinary_rules_and_denies_kernel_ones()
    {
        Assert.Equal("allow: granted by broker\npath: broker\n", Run("tcp/443", unit: "caddy.service").Stdout);
        Assert.Equal(ExitCodes.Denied, Run("tcp/80").ExitCode);
        Assert.Equal(ExitCodes.Denied, Run("tcp/80", unit: "caddy.service", user: "alice").ExitCode);
    }

    [Fact]
    public void Json_names_the_path_the_rule_and_the_scope()
    {
        using var kernel = JsonDocument.Parse(Run("tcp/80", unit: "caddy.service", json: true).Stdout);
        Assert.Equal(
            (true, "kernel", "caddy", "unit caddy.service"),
            (kernel.RootElement.GetProperty("allowed").GetBoolean(), kernel.RootElement.GetProperty("path").GetString(),
             kernel.RootElement.GetProperty("rule").GetString(), kernel.RootElement.GetProperty("scope").GetString()));

        using var denied = JsonDocument.Parse(Run("tcp/80", json: true).Stdout);
        Assert.Equal(JsonValueKind.Null, denied.RootElement.GetProperty("path").ValueKind);
        Assert.Equal("caddy", denied.RootElement.GetProperty("rule").GetString());
    }

    [Theory]
    [InlineData("caddy", null, "'caddy' has no unit type; did you mean caddy.service?")]
    [InlineData(null, "web", "'web' is not absolute")]
    [InlineData("caddy.service", "/web", "give --unit or --cgroup, not both")]
    public void Bad_unit_or_cgroup_is_a_usage_error(string? unit, string? cgroup, string message)
    {
        var (exitCode, _, stderr) = Run("tcp/80", unit, cgroup);
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
