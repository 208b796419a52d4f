using System.Net;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// How <c>privport forward</c> gets its ports and whom it runs as: root dropping to --user on every thread, an
/// unprivileged user through the broker, the --config file systemd units use, and no staying root unless told to.
/// Ports 748-752 and 902-904 on loopback belong to this class.
/// </summary>
public sealed class ForwardSetupTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private static readonly IPAddress V4 = IPAddress.Loopback;

    [Fact]
    public async Task As_root_with_user_it_binds_then_every_thread_runs_as_that_user_without_capabilities()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:748", echo.Target, "--user", "65534", "--threads", "2");
        using var client = await ForwardClient.ConnectAsync(V4, 748);
        Assert.Equal("as nobody", await ForwardClient.EchoAsync(client, "as nobody"));

        // Every thread: the runtime's own (finalizer, signal handling, console logging) start before any port is
        // bound, and capability sets and no_new_privs are per thread.
        var threads = forwarder.ThreadStatuses();
        Assert.True(threads.Count >= 3, $"{threads.Count} threads");
        foreach (var (thread, status) in threads)
        {
            foreach (string expected in (string[])["Uid:\t65534\t65534\t65534\t65534\n", "Gid:\t65534\t65534\t65534\t65534\n",
                "CapInh:\t0000000000000000\n", "CapPrm:\t0000000000000000\n", "CapEff:\t0000000000000000\n",
                "CapBnd:\t0000000000000000\n", "CapAmb:\t0000000000000000\n", "NoNewPrivs:\t1\n"])
            {
                Assert.True(status.Contains(expected, StringComparison.Ordinal), $"thread {thread} ({status.Split('\n')[0]}) lacks '{expected.Trim()}':\n{status}");
            }
        }

        Assert.Equal("privport", File.ReadAllText($"/proc/{forwarder.Pid}/comm").Trim());
        Assert.Contains("dropped privileges to user", forwarder.Stderr, StringComparison.Ordinal);
        Assert.Contains("(listener bound by this process)", forwarder.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_the_units_capability_bounding_set_it_still_drops_every_thread_to_its_user()
    {
        Privilege.RequireRoot();
        string unit = File.ReadAllText(Path.Combine(Packaging.RepositoryFiles.UnitDirectory, "privport-forward@.service"));
        string kept = string.Join(',', unit.Split('\n').Single(line => line.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal))
            ["CapabilityBoundingSet=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(name => "+" + name["CAP_".Length..].ToLowerInvariant()));
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartWrappedAsync(privport,
            [Privilege.Setpriv, "--bounding-set", $"-all,{kept}", "--inh-caps", "-all", "--no-new-privs"], 1,
            "--user", "65534", "tcp/127.0.0.1:904", echo.Target);

        using var client = await ForwardClient.ConnectAsync(V4, 904);
        Assert.Equal("in the unit", await ForwardClient.EchoAsync(client, "in the unit"));
        Assert.All(forwarder.ThreadStatuses().Values, status =>
        {
            Assert.Contains("Uid:\t65534\t65534\t65534\t65534\n", status, StringComparison.Ordinal);
            Assert.Contains("CapBnd:\t0000000000000000\n", status, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task As_root_without_user_on_the_command_line_it_refuses_saying_how_to_choose()
    {
        Privilege.RequireRoot();
        var result = await Run.AsRootAsync(privport.Executable, "forward", "tcp/127.0.0.1:903", "127.0.0.1:9");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("running as root without --user would forward as root", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--user root to keep root on purpose", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task As_root_with_a_config_file_without_user_it_refuses_saying_how_to_choose()
    {
        Privilege.RequireRoot();
        string config = Path.Combine(Directory.CreateTempSubdirectory("privport-forward-config-").FullName, "web.toml");
        await File.WriteAllTextAsync(config, """
            [[forward]]
            listen = "tcp/127.0.0.1:903"
            target = "127.0.0.1:9"
            """, TestContext.Current.CancellationToken);
        try
        {
            var result = await Run.AsRootAsync(privport.Executable, "forward", "--config", config);

            Assert.Equal(78, result.ExitCode);
            Assert.Contains($"{config} has no user = \"...\", so the forwarder would run as root", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("or user = \"root\" to keep root on purpose", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    [Fact]
    public async Task As_root_with_user_root_it_keeps_root_and_says_so()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:902", echo.Target, "--user", "root");

        Assert.StartsWith("0\t", forwarder.Status("Uid"), StringComparison.Ordinal);
        Assert.Contains("running as root on purpose", forwarder.Stderr, StringComparison.Ordinal);
        using var client = await ForwardClient.ConnectAsync(V4, 902);
        Assert.Equal("as root", await ForwardClient.EchoAsync(client, "as root"));
    }

    [Fact]
    public async Task As_an_unprivileged_user_it_gets_the_port_from_the_broker()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "forwarder"
            users = ["65534"]
            ports = ["tcp/749"]
            addresses = ["127.0.0.1"]
            """);
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsUidAsync(privport, Nobody, 1, "--socket", broker.SocketPath, "tcp/127.0.0.1:749", echo.Target);

        Assert.Contains($"(listener bound by the broker at {broker.SocketPath})", forwarder.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("65534\t", forwarder.Status("Uid"), StringComparison.Ordinal);
        using var client = await ForwardClient.ConnectAsync(V4, 749);
        Assert.Equal("via the broker", await ForwardClient.EchoAsync(client, "via the broker"));
    }

    [Fact]
    public async Task A_port_the_broker_denies_stops_the_forwarder_saying_what_to_do()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, "");
        var result = await Run.AsUidAsync(Nobody, privport.Executable, "forward", "--socket", broker.SocketPath, "tcp/127.0.0.1:750", "127.0.0.1:9");

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("did not grant tcp/127.0.0.1:750", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Add a policy rule allowing uid 65534", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_file_runs_every_forward_it_lists()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        string config = Path.Combine(Directory.CreateTempSubdirectory("privport-forward-config-").FullName, "web.toml");
        await File.WriteAllTextAsync(config, $"""
            user = "65534"
            max_conns = 100
            idle_timeout = "5m"
            scheduling = "normal"
            [[forward]]
            listen = "tcp/127.0.0.1:751"
            target = "{echo.Target}"
            [[forward]]
            listen = "tcp/127.0.0.1:752"
            target = "{echo.Target}"
            proxy_protocol = "v1"
            """, TestContext.Current.CancellationToken);
        try
        {
            // The file and its directory are root's alone (0600 in 0700): the dropped forwarder gets the text from root.
            File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var forwarder = await RunningForwarder.StartAsync(privport, 2, "--config", config);

            Assert.Contains($"forwarding tcp/127.0.0.1:752 -> {echo.Target} with PROXY protocol v1", forwarder.Stderr, StringComparison.Ordinal);
            Assert.StartsWith("65534\t", forwarder.Status("Uid"), StringComparison.Ordinal);
            using var plain = await ForwardClient.ConnectAsync(V4, 751);
            Assert.Equal("plain", await ForwardClient.EchoAsync(plain, "plain"));
            using var proxied = await ForwardClient.ConnectAsync(V4, 752);
            const string Start = "PROXY TCP4 127.0.0.1 127.0.0.1 ";
            await proxied.SendAsync("x"u8.ToArray(), TestContext.Current.CancellationToken);
            Assert.Equal(Start, System.Text.Encoding.ASCII.GetString(await ForwardClient.ReadAsync(proxied, Start.Length)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    [Fact]
    public async Task Config_errors_name_file_line_and_field_and_nothing_starts()
    {
        string config = Path.Combine(Directory.CreateTempSubdirectory("privport-forward-config-").FullName, "bad.toml");
        await File.WriteAllTextAsync(config, """
            max_conns = "many"
            idle_timeout = "soon"
            scheduling = "fast"
            [[forward]]
            listen = "tcp/eighty"
            target = "localhost:8080"
            colour = "blue"
            """, TestContext.Current.CancellationToken);
        try
        {
            var result = await RunningForwarder.FailAsync(privport, "--config", config);

            Assert.Equal(78, result.ExitCode);
            Assert.Contains($"{config}:1: max_conns: must be a whole number", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{config}:2: idle_timeout: is not a duration; give seconds (300, 1.5) or a number with a unit (250ms, 30s, 5m, 1h, 1d), e.g. idle_timeout = \"5m\"", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{config}:3: scheduling: 'fast' is not batch or normal", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{config}:5: listen: 'tcp/eighty': port 'eighty' is not a number", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{config}:6: target: target 'localhost:8080': 'localhost' is not an IP address", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"{config}:7: colour: unknown key", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("tcp/80", "no TARGET")]
    [InlineData("tcp/80 127.0.0.1", "is not ADDRESS:PORT")]
    [InlineData("udp/53 127.0.0.1:5353 --proxy-protocol v2", "PROXY protocol header is sent on TCP connections only")]
    [InlineData("tcp/80 127.0.0.1:8080 --proxy-protocol v3", "'v3' is not v1 or v2")]
    [InlineData("tcp/80 0.0.0.0:8080", "is a wildcard, not a backend")]
    [InlineData("tcp/80 127.0.0.1:8080 --scheduling fast", "--scheduling 'fast' is not batch or normal")]
    [InlineData("tcp/80 127.0.0.1:8080 --idle-timeout 400d", "--idle-timeout 400d is out of range; give 1ms to 365d")]
    [InlineData("tcp/80 127.0.0.1:8080 --idle-timeout 5y", "--idle-timeout '5y' is not a duration; give seconds (300, 1.5) or a number with a unit")]
    [InlineData("tcp/80 127.0.0.1:8080 --drain-timeout 2d", "--drain-timeout 2d is out of range; give 0 to 1d")]
    [InlineData("tcp/80 127.0.0.1:8080 --max-conns 20000000", "--max-conns 20000000 is out of range; give 0 (no limit) to 10000000")]
    [InlineData("tcp/80 127.0.0.1:8080 --threads 257", "--threads 257 is out of range; give 1 to 256 (0: one per CPU)")]
    public async Task Command_line_mistakes_are_usage_errors_that_say_what_to_write(string arguments, string message)
    {
        var result = await RunningForwarder.FailAsync(privport, arguments.Split(' '));

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }
}
