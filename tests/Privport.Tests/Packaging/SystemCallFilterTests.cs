using System.Text.RegularExpressions;
using Privport.Client;
using Privport.Tests.Broker;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>
/// The broker's system calls over a whole life (start, OPEN, BIND, QUERY, status, a metrics scrape, reload, stop),
/// traced with strace, all fall within privport.service's SystemCallFilter= as systemd-analyze expands it; the same
/// for a forwarder's life under privport-forward@.service, and for a broker keeping kernel grants under privport.service with its kernel-grants.conf drop-in. Ports 775, 777, 975 and 976 belong to this class.
/// </summary>
public sealed partial class SystemCallFilterTests(StagedPrivport privport)
{
    [Fact]
    public async Task Every_system_call_the_broker_makes_is_allowed_by_the_units_filter()
    {
        var (strace, allowed) = await RequireToolsAsync(privport.Executable, "broker", "privport.service");

        string trace = Path.GetTempFileName();
        try
        {
            const string Policy = """
                [[allow]]
                name = "root775"
                users = ["0"]
                groups = ["0"]
                ports = ["tcp/775"]
                """;
            int metricsPort = Broker.BrokerMetricsTests.FreeLoopbackPort();
            await using (var broker = BrokerProcess.Start(privport, Policy, ["--metrics", $"127.0.0.1:{metricsPort}"], wrap: [strace, "-f", "-qq", "-o", trace]))
            {
                await broker.WaitUntilListeningAsync();
                var client = new PrivportClient(broker.SocketPath);
                using (await client.BindAsync(Endpoint.Parse("tcp/127.0.0.1:775"), cancellationToken: TestContext.Current.CancellationToken))
                {
                }

                var bind = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "bind", "tcp/127.0.0.1:775");
                Assert.True(bind.ExitCode == 0, bind.ToString());
                Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:776"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
                Assert.NotNull(await client.GetStatusDetailAsync(TestContext.Current.CancellationToken));
                using var http = new HttpClient();
                Assert.Contains("privport_grants_total", await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
                await ReloadThenStopAsync(broker);
            }

            var used = SystemCalls(trace);
            Assert.Contains("bind", used);
            Assert.Empty(used.Where(name => !allowed.Contains(name)).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task With_kernel_grants_every_system_call_the_broker_makes_is_allowed_by_the_unit_and_its_kernel_drop_in()
    {
        var (strace, _) = await RequireToolsAsync(privport.Executable, "broker", "privport.service");
        var allowed = await AllowedByUnitAsync(RepositoryFiles.FindTool("systemd-analyze")!, "privport.service", "kernel-grants.conf");
        await using var host = await Kernel.KernelTestHost.StartWithAttacherAndServerAsync();
        string trace = Path.GetTempFileName();
        try
        {
            const string Policy = """
                [[allow]]
                name = "unit"
                units = ["test-x.service"]
                users = ["65534"]
                ports = ["tcp/975"]

                [[allow]]
                name = "wrap"
                users = ["65534"]
                ports = ["tcp/976"]
                """;
            await using (var broker = BrokerProcess.Start(privport, Policy, ["--bpf-root", host.BpfMount], wrap: [strace, "-f", "-qq", "-o", trace]))
            {
                await broker.WaitUntilListeningAsync();
                string cgroup = host.CreateCgroup(label: "filter");
                await host.AttachAsync(Path.Combine(host.PinRoot, "units", "test-x%2Eservice"), cgroup);
                Assert.Equal("listening", await host.BindOnceAsync(65534, cgroup, "127.0.0.1", 975));
                var wrapped = await Run.AsRootAsync("sh", "-c", host.Joined(cgroup, 65534,
                    [privport.Executable, "wrap", "--kernel", "--socket", broker.SocketPath, "--", host.StaticServer, "127.0.0.1", "976"]));
                Assert.True(wrapped.Stdout.Trim() == "listening", wrapped.ToString());
                Assert.NotNull(await new PrivportClient(broker.SocketPath).GetStatusDetailAsync(TestContext.Current.CancellationToken));
                await Task.Delay(1500, TestContext.Current.CancellationToken);
                await ReloadThenStopAsync(broker);
            }

            var used = SystemCalls(trace);
            Assert.Contains("bpf", used);
            Assert.Empty(used.Where(name => !allowed.Contains(name)).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public async Task Every_system_call_the_forwarder_makes_is_allowed_by_its_units_filter()
    {
        var (strace, allowed) = await RequireToolsAsync(privport.Executable, "forwarder", "privport-forward@.service");

        string trace = Path.GetTempFileName();
        try
        {
            await using var echo = Forwarding.TcpBackend.Echo(System.Net.IPAddress.Loopback);
            await using (var forwarder = await Forwarding.RunningForwarder.StartWrappedAsync(privport, [strace, "-f", "-qq", "-o", trace], 1,
                "--user", "65534", "--threads", "2", "--idle-timeout", "60", "tcp/127.0.0.1:777", echo.Target))
            {
                // Enough connections, one after another, that both loops run some (one handed over between them).
                for (int i = 0; i < 4; i++)
                {
                    using var client = await Forwarding.ForwardClient.ConnectAsync(System.Net.IPAddress.Loopback, 777);
                    Assert.Equal($"echo {i}", await Forwarding.ForwardClient.EchoAsync(client, $"echo {i}"));
                }

                string forwarderPid = File.ReadAllText($"/proc/{forwarder.Pid}/task/{forwarder.Pid}/children").Trim().Split(' ')[0];
                Assert.True((await Run.AsRootAsync("kill", "-TERM", forwarderPid)).ExitCode == 0);
                Assert.Equal(0, await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.DoesNotContain("SCHED_BATCH", forwarder.Stderr, StringComparison.Ordinal);
            }

            var used = SystemCalls(trace);
            Assert.Contains("sched_setscheduler", used);
            Assert.Empty(used.Where(name => !allowed.Contains(name)).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>strace, and what <paramref name="unit"/>'s filter allows; skips the test without either tool.</summary>
    /// <summary>SIGHUP, then SIGTERM, to the broker under strace: the signals go to the broker itself, since strace would take them for its own.</summary>
    private static async Task ReloadThenStopAsync(BrokerProcess broker)
    {
        string brokerPid = File.ReadAllText($"/proc/{broker.Process.Pid}/task/{broker.Process.Pid}/children").Trim().Split(' ')[0];
        Assert.True((await Run.AsRootAsync("kill", "-HUP", brokerPid)).ExitCode == 0);
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("policy reloaded", StringComparison.Ordinal), "the reload");
        Assert.True((await Run.AsRootAsync("kill", "-TERM", brokerPid)).ExitCode == 0);
        Assert.Equal(0, await broker.Process.WaitForExitAsync());
    }

    private static async Task<(string Strace, HashSet<string> Allowed)> RequireToolsAsync(string executable, string program, string unit)
    {
        Privilege.RequireRoot();

        // A JIT build runs beside its privport.dll; the package ships the NativeAOT binary, which has none.
        Assert.SkipWhen(File.Exists(Path.ChangeExtension(executable, ".dll")),
            $"compares the system calls of the NativeAOT binary the package ships, and {executable} is a JIT build (CoreCLR also calls "
            + "sched_setaffinity and sched_setscheduler as it starts threads); run ./test.sh, or set PRIVPORT_TEST_EXECUTABLE to a NativeAOT build");
        string? strace = RepositoryFiles.FindTool("strace");
        string? analyze = RepositoryFiles.FindTool("systemd-analyze");
        Assert.SkipWhen(strace is null || analyze is null, $"needs strace and systemd-analyze to compare the {program}'s system calls with the unit's filter");
        return (strace!, await AllowedByUnitAsync(analyze!, unit));
    }

    /// <summary>The names of the system calls in an <c>strace -f -qq</c> log.</summary>
    private static HashSet<string> SystemCalls(string trace) =>
        File.ReadLines(trace).Select(line => SyscallName().Match(line)).Where(match => match.Success)
            .Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    // The unit's SystemCallFilter= lines in order, as systemd combines them: the first an allow list, later plain lines
    // add to it, "~" lines take away.
    private static async Task<HashSet<string>> AllowedByUnitAsync(string analyze, string unit, params string[] dropIns)
    {
        var filters = new[] { unit }.Concat(dropIns).SelectMany(file => File.ReadLines(Path.Combine(RepositoryFiles.UnitDirectory, file)))
            .Where(line => line.StartsWith("SystemCallFilter=", StringComparison.Ordinal))
            .Select(line => line["SystemCallFilter=".Length..])
            .ToList();
        Assert.True(filters.Count >= 2, $"{unit} has an allow list and a deny list");
        Assert.False(filters[0].StartsWith('~'));
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (string filter in filters)
        {
            bool deny = filter.StartsWith('~');
            foreach (string group in filter.TrimStart('~').Split(' '))
            {
                var names = await ExpandAsync(analyze, group);
                if (deny)
                {
                    allowed.ExceptWith(names);
                }
                else
                {
                    allowed.UnionWith(names);
                }
            }
        }

        return allowed;
    }

    private static async Task<HashSet<string>> ExpandAsync(string analyze, string group)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!group.StartsWith('@'))
        {
            names.Add(group);
            return names;
        }

        var result = await Run.AsRootAsync(analyze, "syscall-filter", group);
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string line in result.Stdout.Split('\n').Skip(1))
        {
            string entry = line.Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
            {
                continue;
            }

            names.UnionWith(entry.StartsWith('@') ? await ExpandAsync(analyze, entry) : [entry]);
        }

        return names;
    }

    [GeneratedRegex(@"^[0-9]+ +([a-z_0-9]+)\(")]
    private static partial Regex SyscallName();
}
