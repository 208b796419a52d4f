using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// <c>privport exec</c> for real: as root dropping to an unprivileged user, and as that user through a broker.
/// Ports 670-684 on loopback belong to this class.
/// </summary>
public sealed class ExecCommandTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const string Zero = "0000000000000000";

    private const string NobodyMay680To684 = """
        [[allow]]
        name = "exec-tests"
        users = ["65534"]
        ports = ["tcp/680-684", "udp/680-684"]
        addresses = ["127.0.0.1"]
        """;

    private static void RequirePython() =>
        Assert.SkipUnless(File.Exists(ExecProbe.Python), $"needs {ExecProbe.Python} as the program privport exec runs");

    private Task<ProcessResult> ExecAsRootAsync(params string[] arguments) =>
        Run.AsRootAsync(privport.Executable, ["exec", .. arguments]);

    [Fact]
    public async Task As_root_it_drops_to_the_user_for_good_before_the_program_runs()
    {
        Privilege.RequireRoot();
        RequirePython();

        var result = await ExecAsRootAsync("--user", "nobody", "--port", "tcp/127.0.0.1:670", "--", ExecProbe.Python, "-c", ExecProbe.Script);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
        Assert.Equal("65534 65534 65534 65534", probe.Status("Gid"));
        Assert.Equal("65534", probe.Status("Groups"));
        Assert.All(new[] { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" }, set => Assert.Equal(Zero, probe.Status(set)));
        Assert.Equal("1", probe.Status("NoNewPrivs"));
        Assert.False(probe.RegainedRoot);
        Assert.Equal("nobody", probe.Environment("USER"));
    }

    [Fact]
    public async Task The_program_cannot_regain_root_through_a_setuid_root_binary()
    {
        Privilege.RequireRoot();
        RequirePython();
        string directory = Directory.CreateTempSubdirectory("privport-exec-setuid-").FullName;
        try
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
            string id = Path.Combine(directory, "id");
            File.Copy("/usr/bin/id", id);
            File.SetUnixFileMode(id, (UnixFileMode)0b100_111_101_101);
            var info = ExecInfo(["--user", "nobody", "--keep-env", "PROBE_SETUID_ID", "--port", "tcp/127.0.0.1:671", "--", ExecProbe.Python, "-c", ExecProbe.Script]);
            info.Environment["PROBE_SETUID_ID"] = id;

            var result = await Run.CompleteAsync(info);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("65534", ExecProbe.Parse(result.Stdout).SetuidEuid);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sockets_arrive_from_descriptor_3_in_order_with_their_names_and_nothing_else_leaks()
    {
        Privilege.RequireRoot();
        RequirePython();

        // An open descriptor without close-on-exec and stale LISTEN_* variables, as a careless parent leaves them.
        var info = new ProcessStartInfo("/bin/sh");
        foreach (string argument in (string[])["-c", "exec 7</dev/null; exec \"$0\" \"$@\"", privport.Executable, "exec", "--user", "nobody",
            "--port", "tcp/127.0.0.1:672", "--port", "udp/127.0.0.1:672", "--port", "tcp/[::1]:673,v6only,backlog=16", "--name", "web", "--name", "dns",
            "--", ExecProbe.Python, "-c", ExecProbe.Script])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["LISTEN_PIDFDID"] = "12345";
        info.Environment["LISTEN_FDS"] = "9";

        var result = await Run.CompleteAsync(info);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal([0, 1, 2, 3, 4, 5], probe.Descriptors);
        Assert.Equal([(3, "SOCK_STREAM", "127.0.0.1", 672), (4, "SOCK_DGRAM", "127.0.0.1", 672), (5, "SOCK_STREAM", "::1", 673)], probe.Sockets);
        Assert.Equal("3", probe.Environment("LISTEN_FDS"));
        Assert.Equal("web:dns:tcp-673", probe.Environment("LISTEN_FDNAMES"));
        Assert.Equal(probe.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), probe.Environment("LISTEN_PID"));
        Assert.Null(probe.Environment("LISTEN_PIDFDID"));
    }

    [Fact]
    public async Task A_python_program_serves_on_the_inherited_privileged_socket()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var server = ServiceProcess.Start(ExecInfo(["--user", "nobody", "--port", "tcp/127.0.0.1:674", "--", ExecProbe.Python, "-c", ExecProbe.Script, "serve"]));

        string reply = await server.FetchAsync(674, request: "");

        Assert.Equal("hello from python as uid 65534", reply);
    }

    [Fact]
    public async Task A_node_program_listens_on_fd_3()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists("/usr/bin/node"), "needs Node.js at /usr/bin/node");
        await using var server = ServiceProcess.Start(ExecInfo(["--user", "nobody", "--port", "tcp/127.0.0.1:675", "--", "/usr/bin/node", "-e",
            "require('net').createServer(s => s.end('hello from node as uid ' + process.getuid())).listen({ fd: 3 })"]));

        string reply = await server.FetchAsync(675, request: "");

        Assert.Equal("hello from node as uid 65534", reply);
    }

    [Fact]
    public async Task Keep_caps_leaves_the_program_CAP_NET_BIND_SERVICE_and_nothing_else()
    {
        Privilege.RequireRoot();
        RequirePython();

        var result = await ExecAsRootAsync("--user", "nobody", "--keep-caps", "--port", "tcp/127.0.0.1:676", "--",
            ExecProbe.Python, "-c", ExecProbe.Script, "bind", "677");

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        const string BindService = "0000000000000400";
        Assert.All(new[] { "CapEff", "CapPrm", "CapAmb", "CapBnd" }, set => Assert.Equal(BindService, probe.Status(set)));
        Assert.Equal("1", probe.Status("NoNewPrivs"));
        Assert.Equal(677, probe.ExtraBind);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
    }

    [Fact]
    public async Task The_program_gets_the_users_supplementary_groups_and_group_overrides_the_primary()
    {
        Privilege.RequireRoot();
        RequirePython();
        var member = File.ReadLines("/etc/group").Select(line => line.Split(':'))
            .Where(fields => fields.Length == 4 && fields[3].Length > 0)
            .Select(fields => (User: fields[3].Split(',')[0], Gid: fields[2]))
            .FirstOrDefault(candidate => File.ReadLines("/etc/passwd").Any(line => line.StartsWith(candidate.User + ":", StringComparison.Ordinal)));
        Assert.SkipWhen(member.User is null, "no account on this host belongs to a supplementary group in /etc/group");

        var result = await ExecAsRootAsync("--user", member.User!, "--group", "daemon", "--port", "tcp/127.0.0.1:678", "--", ExecProbe.Python, "-c", ExecProbe.Script);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        string daemonGid = File.ReadLines("/etc/group").First(line => line.StartsWith("daemon:", StringComparison.Ordinal)).Split(':')[2];
        Assert.Equal($"{daemonGid} {daemonGid} {daemonGid} {daemonGid}", probe.Status("Gid"));
        Assert.Contains(member.Gid, probe.Status("Groups").Split(' '));
        Assert.Contains(daemonGid, probe.Status("Groups").Split(' '));
    }

    [Fact]
    public async Task As_an_unprivileged_user_it_takes_the_sockets_from_the_broker_and_keeps_its_identity()
    {
        Privilege.RequireRoot();
        RequirePython();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay680To684);

        var result = await Run.AsUidAsync(Nobody, privport.Executable, "exec", "--socket", broker.SocketPath, "--port", "tcp/127.0.0.1:680",
            "--port", "udp/127.0.0.1:680", "--", ExecProbe.Python, "-c", ExecProbe.Script);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
        Assert.Equal([(3, "SOCK_STREAM", "127.0.0.1", 680), (4, "SOCK_DGRAM", "127.0.0.1", 680)], probe.Sockets);
        Assert.Equal(2, broker.AuditLines().Count(line => line.Contains("\"op\":\"OPEN\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_denied_endpoint_stops_exec_with_the_brokers_reason()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay680To684);

        var result = await Run.AsUidAsync(Nobody, privport.Executable, "exec", "--socket", broker.SocketPath, "--port", "tcp/127.0.0.1:673", "--", "/bin/true");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not grant tcp/127.0.0.1:673 to uid 65534", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no rule allows tcp/127.0.0.1:673", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_broker_an_unprivileged_user_is_told_how_to_start_one()
    {
        Privilege.RequireRoot();

        var result = await Run.AsUidAsync(Nobody, privport.Executable, "exec", "--socket", "/nonexistent/broker.sock", "--port", "tcp/127.0.0.1:681", "--", "/bin/true");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/broker.sock", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("privport serve", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_is_reported_with_the_process_that_holds_it()
    {
        Privilege.RequireRoot();
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 679));
        occupant.Listen();

        var result = await ExecAsRootAsync("--user", "nobody", "--port", "tcp/127.0.0.1:679", "--", "/bin/true");

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("cannot bind tcp/127.0.0.1:679", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("EADDRINUSE", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId} (", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("holds tcp 127.0.0.1:679", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--user", "no-such-user-privport", "--port", "tcp/127.0.0.1:682" }, 67, "unknown user 'no-such-user-privport'")]
    [InlineData(new[] { "--port", "tcp/127.0.0.1:682" }, 64, "give --user USER")]
    [InlineData(new[] { "--user", "nobody", "--port", "tcp/127.0.0.1:682,v6only" }, 64, "v6only applies to IPv6")]
    [InlineData(new[] { "--user", "nobody", "--port", "udp/127.0.0.1:682,backlog=5" }, 64, "backlog applies to tcp")]
    [InlineData(new[] { "--user", "nobody", "--port", "tcp/682", "--name", "a:b" }, 64, "--name 'a:b'")]
    [InlineData(new[] { "--user", "nobody", "--port", "tcp/682", "--name", "a", "--name", "b" }, 64, "2 --name values for 1 --port")]
    public async Task Bad_arguments_are_refused_before_anything_runs(string[] arguments, int exitCode, string message)
    {
        Privilege.RequireRoot();

        var result = await ExecAsRootAsync([.. arguments, "--", "/bin/true"]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unprivileged_user_cannot_ask_for_another_user()
    {
        Privilege.RequireRoot();

        var result = await Run.AsUidAsync(Nobody, privport.Executable, "exec", "--user", "root", "--port", "tcp/127.0.0.1:683", "--", "/bin/true");

        Assert.Equal(77, result.ExitCode);
        Assert.Contains("only root can switch to --user root", result.Stderr, StringComparison.Ordinal);
    }

    private ProcessStartInfo ExecInfo(string[] arguments)
    {
        var info = new ProcessStartInfo(privport.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("exec");
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
