using System.Text.Json;
using Privport.Commands;
using Privport.Tests.Policy;

namespace Privport.Tests.Commands;

public sealed class PolicyCheckCommandTests
{
    private const string Policy = """
        [[allow]]
        name = "web"
        users = ["www-data", 1001]
        groups = ["web"]
        exe = ["PROGRAM"]
        ports = ["tcp/80", "tcp/8000-8099"]
        addresses = ["127.0.0.0/8", "::1"]

        [[allow]]
        users = ["*"]
        ports = ["udp/53"]
        """;

    private static (int ExitCode, string Stdout, string Stderr) Run(string? path, bool json = false)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = new PolicyCheckCommand(new FakeAccountDirectory()).Run(path, json, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Valid_policy_prints_the_effective_rules_and_exits_ok()
    {
        using var directory = new TempPolicyDirectory();
        string program = directory.Write("sbin/nginx", "");
        string file = directory.Write("policy.toml", Policy.Replace("PROGRAM", program, StringComparison.Ordinal));

        var (exitCode, stdout, stderr) = Run(file);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains($"web  ({file}:1)", stdout, StringComparison.Ordinal);
        Assert.Contains("users      www-data (33), 1001", stdout, StringComparison.Ordinal);
        Assert.Contains("groups     web (2000)", stdout, StringComparison.Ordinal);
        Assert.Contains($"exe        {program}\n", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("ports      tcp/80, tcp/8000-8099", stdout, StringComparison.Ordinal);
        Assert.Contains("addresses  127.0.0.0/8, ::1", stdout, StringComparison.Ordinal);
        Assert.Contains($"policy.toml:9  ({file}:9)", stdout, StringComparison.Ordinal);
        Assert.Contains("users      * (any user)", stdout, StringComparison.Ordinal);
        Assert.Contains("addresses  any", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public void Load_errors_go_to_stderr_as_file_line_field_message_and_exit_config()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", "[[allow]]\nusers = [\"ghost\"]\nports = [\"tcp/0\"]\n");

        var (exitCode, stdout, stderr) = Run(file);

        Assert.Equal(ExitCodes.Config, exitCode);
        Assert.Empty(stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{file}:2: users: unknown user 'ghost'", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{file}:3: ports: 'tcp/0'", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Json_lists_files_and_rules_for_scripts()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", Policy.Replace("PROGRAM", "/usr/sbin/nginx", StringComparison.Ordinal));

        var (exitCode, stdout, _) = Run(file, json: true);

        Assert.Equal(ExitCodes.Ok, exitCode);
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        Assert.Equal(file, root.GetProperty("files")[0].GetString());
        var web = root.GetProperty("rules")[0];
        Assert.Equal("web", web.GetProperty("id").GetString());
        Assert.Equal(1, web.GetProperty("line").GetInt32());
        Assert.Equal(33u, web.GetProperty("users")[0].GetProperty("uid").GetUInt32());
        Assert.Equal("www-data", web.GetProperty("users")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, web.GetProperty("users")[1].GetProperty("name").ValueKind);
        Assert.Equal(2000u, web.GetProperty("groups")[0].GetProperty("gid").GetUInt32());
        Assert.Equal("/usr/sbin/nginx", web.GetProperty("exe")[0].GetProperty("path").GetString());
        var range = web.GetProperty("ports")[1];
        Assert.Equal(("tcp", 8000, 8099), (range.GetProperty("protocol").GetString(), range.GetProperty("first").GetInt32(), range.GetProperty("last").GetInt32()));
        Assert.Equal("127.0.0.0/8", web.GetProperty("addresses")[0].GetString());
        var dns = root.GetProperty("rules")[1];
        Assert.True(dns.GetProperty("any_user").GetBoolean());
        Assert.Equal(JsonValueKind.Null, dns.GetProperty("name").ValueKind);
        Assert.Equal("policy.toml:9", dns.GetProperty("id").GetString());
        Assert.Equal(0, dns.GetProperty("addresses").GetArrayLength());
    }

    [Fact]
    public void Json_with_load_errors_lists_them_on_stdout_too()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\ncolour = \"it's\"\n");

        var (exitCode, stdout, stderr) = Run(file, json: true);

        Assert.Equal(ExitCodes.Config, exitCode);
        Assert.Contains($"{file}:4: colour:", stderr, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(stdout);
        var error = Assert.Single(document.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal((file, 4, 1, "colour"), (error.GetProperty("file").GetString(), error.GetProperty("line").GetInt32(), error.GetProperty("column").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("valid keys are name, users", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_without_rules_is_valid_but_warns_that_everything_is_denied()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", "# nothing yet\n");

        var (exitCode, stdout, stderr) = Run(file);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("0 rule(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("no [[allow]] rules; every request will be denied", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_warnings_go_to_stderr()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data\"]\nexe = [\"/opt/missing/app\"]\nports = [\"tcp/80\"]\n");

        var (exitCode, _, stderr) = Run(file);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.StartsWith($"warning: {file}:3: exe: '/opt/missing/app' does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_policy_exits_config_naming_the_path()
    {
        using var directory = new TempPolicyDirectory();
        string missing = directory.PathOf("policy.toml");

        var (exitCode, _, stderr) = Run(missing);

        Assert.Equal(ExitCodes.Config, exitCode);
        Assert.StartsWith($"{missing}: policy: no such file or directory", stderr, StringComparison.Ordinal);
    }
}
