using System.Diagnostics;
using System.Text.Json;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// The environment a program started by <c>privport exec</c> gets: as another user a minimal one (root's variables
/// stay behind), with the caller's variables only when named; as the caller, the caller's own.
/// Ports 840-845 on loopback belong to this class.
/// </summary>
public sealed class ExecEnvironmentTests(StagedPrivport privport)
{
    private const string PrintEnvironment = "import json, os; print(json.dumps(dict(os.environ)))";

    private const string NobodyMay845To849 = """
        [[allow]]
        name = "exec-environment-tests"
        users = ["65534"]
        ports = ["tcp/845-849"]
        addresses = ["127.0.0.1"]
        """;

    // As root's login session, sudo, Kerberos and a preload leave them.
    private static readonly Dictionary<string, string> RootSession = new()
    {
        ["SSH_AUTH_SOCK"] = "/tmp/ssh-root/agent.1",
        ["KRB5CCNAME"] = "FILE:/tmp/krb5cc_0",
        ["SUDO_USER"] = "admin",
        ["SUDO_COMMAND"] = "/bin/bash",
        ["LD_PRELOAD"] = "libm.so.6",
        ["AWS_SECRET_ACCESS_KEY"] = "root-secret",
        ["TERM"] = "xterm-256color",
        ["LANG"] = "C.UTF-8",
        ["LC_TIME"] = "C",
        ["NOTIFY_SOCKET"] = "/run/systemd/notify",
    };

    private static void RequirePython() =>
        Assert.SkipUnless(File.Exists(ExecProbe.Python), $"needs {ExecProbe.Python} as the program privport exec runs");

    private async Task<Dictionary<string, string>> EnvironmentOfProgramAsync(params string[] options)
    {
        var info = new ProcessStartInfo("/usr/bin/setsid");
        foreach (string argument in (string[])[privport.Executable, "exec", .. options, "--", ExecProbe.Python, "-c", PrintEnvironment])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in RootSession)
        {
            info.Environment[name] = value;
        }

        var result = await Run.CompleteAsync(info);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonSerializer.Deserialize<Dictionary<string, string>>(result.Stdout.Split('\n').First(line => line.StartsWith('{')))!;
    }

    [Fact]
    public async Task As_another_user_the_program_starts_from_a_minimal_environment_without_roots_variables()
    {
        Privilege.RequireRoot();
        RequirePython();

        var environment = await EnvironmentOfProgramAsync("--user", "nobody", "--port", "tcp/127.0.0.1:840");

        foreach (string name in (string[])["SSH_AUTH_SOCK", "KRB5CCNAME", "SUDO_USER", "SUDO_COMMAND", "LD_PRELOAD", "AWS_SECRET_ACCESS_KEY"])
        {
            Assert.False(environment.ContainsKey(name), $"{name} reached the program: {string.Join(' ', environment.Keys)}");
        }

        string[] nobody = File.ReadLines("/etc/passwd").First(line => line.StartsWith("nobody:", StringComparison.Ordinal)).Split(':');
        Assert.Equal("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", environment["PATH"]);
        Assert.Equal(nobody[5], environment["HOME"]);
        Assert.Equal(nobody[6], environment["SHELL"]);
        Assert.Equal("nobody", environment["USER"]);
        Assert.Equal("nobody", environment["LOGNAME"]);
        Assert.Equal("xterm-256color", environment["TERM"]);
        Assert.Equal("C.UTF-8", environment["LANG"]);
        Assert.Equal("C", environment["LC_TIME"]);
        Assert.Equal("/run/systemd/notify", environment["NOTIFY_SOCKET"]);
        Assert.Equal("1", environment["LISTEN_FDS"]);
        Assert.Equal("tcp-840", environment["LISTEN_FDNAMES"]);
        string[] expected = ["PATH", "HOME", "SHELL", "USER", "LOGNAME", "TERM", "LANG", "LC_TIME", "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"];
        Assert.Equal(expected.Order(), environment.Keys.Order());
    }

    [Fact]
    public async Task Keep_env_passes_a_named_variable_and_env_sets_one()
    {
        Privilege.RequireRoot();
        RequirePython();

        var environment = await EnvironmentOfProgramAsync("--user", "nobody", "--keep-env", "SSH_AUTH_SOCK", "--keep-env", "NOT_SET_ANYWHERE",
            "--env", "APP_MODE=production=1", "--env", "PATH=/opt/app/bin:/usr/bin", "--port", "tcp/127.0.0.1:841");

        Assert.Equal("/tmp/ssh-root/agent.1", environment["SSH_AUTH_SOCK"]);
        Assert.Equal("production=1", environment["APP_MODE"]);
        Assert.Equal("/opt/app/bin:/usr/bin", environment["PATH"]);
        Assert.False(environment.ContainsKey("KRB5CCNAME"));
        Assert.False(environment.ContainsKey("NOT_SET_ANYWHERE"));
    }

    [Theory]
    [InlineData("--keep-env", "SSH_AUTH_SOCK=/tmp/x", "give the name alone, e.g. --keep-env SSH_AUTH_SOCK")]
    [InlineData("--keep-env", "LISTEN_FDS", "privport sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES itself")]
    [InlineData("--env", "APP_MODE", "give NAME=VALUE")]
    [InlineData("--env", "1X=y", "not a variable name")]
    public async Task A_bad_variable_option_is_refused_saying_what_to_give(string option, string value, string message)
    {
        Privilege.RequireRoot();

        var result = await Run.AsRootAsync(privport.Executable, "exec", "--user", "nobody", option, value, "--port", "tcp/127.0.0.1:842", "--", "/bin/true");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_change_of_user_the_program_keeps_the_callers_environment()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay845To849);
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, 65534, 65534, privport.Executable,
            ["exec", "--socket", broker.SocketPath, "--env", "APP_MODE=test", "--port", "tcp/127.0.0.1:845", "--", ExecProbe.Python, "-c", PrintEnvironment]);
        info.Environment["APP_CONFIG"] = "/etc/app.conf";

        var result = await Run.CompleteAsync(info);

        Assert.True(result.ExitCode == 0, result.ToString());
        var environment = JsonSerializer.Deserialize<Dictionary<string, string>>(result.Stdout.Split('\n').First(line => line.StartsWith('{')))!;
        Assert.Equal("/etc/app.conf", environment["APP_CONFIG"]);
        Assert.Equal("test", environment["APP_MODE"]);
        Assert.Equal("1", environment["LISTEN_FDS"]);
    }
}
