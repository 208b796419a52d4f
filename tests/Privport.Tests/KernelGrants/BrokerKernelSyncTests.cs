using System.Text.Json;
using Privport.Tests.Infrastructure;
using Privport.Tests.Kernel;

namespace Privport.Tests.KernelGrants;

/// <summary>
/// The broker keeps the pinned programs of the units its policy names in step with the policy, and a cgroup they are
/// attached to the way systemd's BPFProgram= attaches them (BPF_OBJ_GET of the pin, BPF_PROG_ATTACH) gets exactly the
/// policy's binds: granted inside for the rule's uid and port, refused outside, to other uids and on other ports;
/// gone after a reload drops the rule and while the broker is stopped; back after a restart without attaching again.
/// Ports 970, 971 and 979 on loopback belong to this class.
/// </summary>
public sealed class BrokerKernelSyncTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const uint Stranger = 61970;

    private static string Policy(bool withUnitRule) => (withUnitRule ? """
        [[allow]]
        name = "test-x"
        units = ["test-x.service"]
        users = ["65534"]
        ports = ["tcp/970"]

        """ : "") + """
        [[allow]]
        name = "broker-only"
        users = ["65534"]
        ports = ["tcp/979"]
        """;

    private static string UnitPins(KernelTestHost host) => Path.Combine(host.PinRoot, "units", "test-x%2Eservice");

    [Fact]
    public async Task A_units_pinned_programs_attached_to_a_cgroup_grant_the_policys_binds_there_and_nowhere_else()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy(withUnitRule: true), serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "test-x");
        await host.AttachAsync(UnitPins(host), cgroup);

        Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));
        Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "::", 970));
        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, null, "127.0.0.1", 970));
        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Stranger, cgroup, "127.0.0.1", 970));
        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 971));
        // A rule without units stays the broker's: the kernel grants nothing for it.
        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 979));

        // Every kernel grant is an audit line like the broker's own.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string[] kernelLines = [];
        while (kernelLines.Length < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            kernelLines = [.. broker.AuditLines().Where(line => line.Contains("\"path\":\"kernel\"", StringComparison.Ordinal))];
        }

        Assert.Equal(2, kernelLines.Length);
        using var line = JsonDocument.Parse(kernelLines[0]);
        Assert.Equal("test-x.service", line.RootElement.GetProperty("unit").GetString());
        Assert.Equal("test-x", line.RootElement.GetProperty("rule").GetString());
        Assert.Equal(Nobody, line.RootElement.GetProperty("uid").GetUInt32());
        Assert.Equal("static_server", line.RootElement.GetProperty("comm").GetString());
        Assert.Equal(970, line.RootElement.GetProperty("port").GetInt32());

        var status = await Run.AsRootAsync(privport.Executable, "status", "--socket", broker.SocketPath);
        Assert.Matches(@"unit test-x\.service: [1-9][0-9]* entries, rules test-x;", status.Stdout);
        Assert.Contains("2 binds granted", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_that_drops_the_rule_revokes_its_grant()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy(withUnitRule: true), serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "test-x");
        await host.AttachAsync(UnitPins(host), cgroup);
        Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));

        await File.WriteAllTextAsync(broker.PolicyPath, Policy(withUnitRule: false), TestContext.Current.CancellationToken);
        await broker.SignalAsync("HUP");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!broker.Stderr.Contains("1 removed", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));
    }

    [Fact]
    public async Task Stopping_the_broker_fails_closed_and_starting_it_again_restores_the_grant_without_reattaching()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        string cgroup = host.CreateCgroup(label: "test-x");
        await using (var broker = await RunningBroker.StartAsync(privport, Policy(withUnitRule: true), serveArguments: ["--bpf-root", host.BpfMount]))
        {
            await host.AttachAsync(UnitPins(host), cgroup);
            Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));
            Assert.Equal(0, await broker.StopAsync());
        }

        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));

        await using (var again = await RunningBroker.StartAsync(privport, Policy(withUnitRule: true), serveArguments: ["--bpf-root", host.BpfMount]))
        {
            Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));
        }
    }

    [Fact]
    public async Task Kernel_status_json_describes_a_scope_with_the_fields_and_values_of_the_brokers_status()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        string cgroup = host.CreateCgroup(label: "test-c");
        string policy = $$"""
            [[allow]]
            name = "test-c"
            cgroups = ["{{cgroup}}"]
            users = ["65534"]
            ports = ["tcp/970"]
            """;

        // A cgroup the policy names is attached by the broker itself, so the scope has somewhere it is attached to.
        await using var broker = await RunningBroker.StartAsync(privport, policy, serveArguments: ["--bpf-root", host.BpfMount]);

        var brokerStatus = await Run.AsRootAsync(privport.Executable, "status", "--json", "--socket", broker.SocketPath);
        var pinStatus = await Run.AsRootAsync(privport.Executable, "kernel", "status", "--json", "--bpf-root", host.BpfMount);
        Assert.True(brokerStatus.ExitCode == 0, brokerStatus.ToString());
        Assert.True(pinStatus.ExitCode == 0, pinStatus.ToString());
        using var fromBroker = JsonDocument.Parse(brokerStatus.Stdout);
        using var fromPins = JsonDocument.Parse(pinStatus.Stdout);
        var kernel = fromBroker.RootElement.GetProperty("kernel");
        Assert.Equal(kernel.GetProperty("pin_root").GetString(), fromPins.RootElement.GetProperty("pin_root").GetString());

        var brokerScope = Assert.Single(kernel.GetProperty("scopes").EnumerateArray());
        var pinScope = Assert.Single(fromPins.RootElement.GetProperty("scopes").EnumerateArray());
        Assert.NotEmpty(pinScope.GetProperty("attached_to").EnumerateArray());

        // Only the broker has the policy, which names the rules behind the entries; every other field is the same.
        Assert.Equal(["test-c"], brokerScope.GetProperty("rules").EnumerateArray().Select(rule => rule.GetString()));
        string[] brokerFields = [.. brokerScope.EnumerateObject().Select(field => field.Name).Where(name => name != "rules")];
        string[] pinFields = [.. pinScope.EnumerateObject().Select(field => field.Name)];
        Assert.Equal(brokerFields, pinFields);
        foreach (string field in pinFields)
        {
            Assert.True(JsonElement.DeepEquals(brokerScope.GetProperty(field), pinScope.GetProperty(field)),
                $"{field}: the broker says {brokerScope.GetProperty(field)}, kernel status says {pinScope.GetProperty(field)}");
        }
    }

    [Fact]
    public async Task Kernel_sync_and_revoke_keep_the_pins_without_a_broker_as_systemd_runs_them()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        string policy = Path.Combine(host.TempDir, "policy.toml");
        await File.WriteAllTextAsync(policy, Policy(withUnitRule: true), TestContext.Current.CancellationToken);
        var sync = await Run.AsRootAsync(privport.Executable, "kernel", "sync", "--policy", policy, "--bpf-root", host.BpfMount);
        Assert.True(sync.ExitCode == 0, sync.ToString());
        string cgroup = host.CreateCgroup(label: "test-x");
        await host.AttachAsync(UnitPins(host), cgroup);
        Assert.Equal("listening", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));

        var revoke = await Run.AsRootAsync(privport.Executable, "kernel", "revoke", "--bpf-root", host.BpfMount);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.Equal("bind: Permission denied", await host.BindOnceAsync(Nobody, cgroup, "127.0.0.1", 970));
        var status = await Run.AsRootAsync(privport.Executable, "kernel", "status", "--bpf-root", host.BpfMount);
        Assert.Contains("unit test-x.service: 0 entries", status.Stdout, StringComparison.Ordinal);

        var remove = await Run.AsRootAsync(privport.Executable, "kernel", "revoke", "--remove", "--bpf-root", host.BpfMount);
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.False(Directory.Exists(UnitPins(host)));
    }
}
