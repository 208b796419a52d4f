using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// The broker as privport.service runs it: not root, with CAP_NET_BIND_SERVICE and CAP_SYS_PTRACE only (what
/// DynamicUser= and AmbientCapabilities= give it), and no new privileges. Ports 771-772 belong to this class.
/// </summary>
public sealed class UnprivilegedBrokerTests(StagedPrivport privport)
{
    [Fact]
    public async Task With_only_the_units_capabilities_the_broker_binds_and_verifies_a_root_clients_executable()
    {
        Privilege.RequireRoot();
        string policy = $"""
            [[allow]]
            name = "exe771"
            users = ["0"]
            exe = ["{privport.Executable}"]
            ports = ["tcp/771"]
            """;
        const string Caps = "+net_bind_service,+sys_ptrace";
        await using var broker = BrokerProcess.Start(privport, policy, wrap:
        [
            Privilege.Setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups",
            "--inh-caps", $"-all,{Caps}", "--ambient-caps", $"-all,{Caps}", "--bounding-set", $"-all,{Caps}", "--no-new-privs",
        ]);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);

        var granted = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:771");
        var impostor = await Run.AsRootAsync(privport.Impostor, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:771");

        Assert.True(granted.ExitCode == 0, granted + "\nbroker: " + broker.Process.Stderr);
        Assert.True(impostor.ExitCode == 1, impostor.ToString());
        Assert.Contains("exe", impostor.Stdout + impostor.Stderr, StringComparison.Ordinal);
    }
}
