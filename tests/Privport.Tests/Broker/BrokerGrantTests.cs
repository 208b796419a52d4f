using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// A real broker, real clients as unprivileged uids (privport probe through setpriv): who gets which endpoint.
/// Ports 600-629 on loopback belong to this class.
/// </summary>
public sealed class BrokerGrantTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const uint Stranger = 64998;

    private Task<ProcessResult> ProbeAsync(RunningBroker broker, uint uid, string mode, params string[] endpointAndFlags) =>
        Run.AsUidAsync(uid, privport.Executable, ["probe", "--socket", broker.SocketPath, "--mode", mode, .. endpointAndFlags]);

    [Fact]
    public async Task Broker_opens_allowed_tcp_port_for_allowed_uid_and_audits_it()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "web"
            users = ["65534"]
            ports = ["tcp/600"]
            addresses = ["127.0.0.1"]
            """);

        var result = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.1:600");

        Assert.True(result.ExitCode == 0, result.ToString());
        string audit = Assert.Single(broker.AuditLines());
        Assert.Contains("\"decision\":\"allow\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"rule\":\"web\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"uid\":65534", audit, StringComparison.Ordinal);
        Assert.Contains("\"port\":600", audit, StringComparison.Ordinal);
        Assert.Contains($"\"exe\":\"{privport.Executable}\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_denies_uid_the_policy_does_not_name()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/601"]
            """);

        var denied = await ProbeAsync(broker, Stranger, "open", "tcp/127.0.0.1:601");

        Assert.True(denied.ExitCode == 1, denied.ToString());
        Assert.StartsWith("denied:", denied.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"deny\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_grants_by_supplementary_group()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            groups = ["4242"]
            ports = ["tcp/602"]
            """);

        var member = await Run.AsUidWithGroupsAsync(Stranger, [4242], privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:602");
        var outsider = await ProbeAsync(broker, Stranger, "open", "tcp/127.0.0.1:602");

        Assert.True(member.ExitCode == 0, member.ToString());
        Assert.True(outsider.ExitCode == 1, outsider.ToString());
    }

    [Fact]
    public async Task Broker_denies_exe_mismatch_for_same_uid()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, $"""
            [[allow]]
            name = "only-privport"
            users = ["65534"]
            exe = ["{privport.Executable}"]
            ports = ["tcp/603"]
            """);

        var genuine = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.1:603");
        var impostor = await Run.AsUidAsync(Nobody, privport.Impostor, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:603");

        Assert.True(genuine.ExitCode == 0, genuine.ToString());
        Assert.True(impostor.ExitCode == 1, impostor.ToString());
        Assert.Contains(privport.Impostor, impostor.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broker_tells_tcp_from_udp()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["udp/604"]
            """);

        var udp = await ProbeAsync(broker, Nobody, "open", "udp/127.0.0.1:604");
        var udpOwnSocket = await ProbeAsync(broker, Nobody, "bind", "udp/127.0.0.1:604");
        var tcp = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.1:604");

        Assert.True(udp.ExitCode == 0, udp.ToString());
        Assert.True(udpOwnSocket.ExitCode == 0, udpOwnSocket.ToString());
        Assert.True(tcp.ExitCode == 1, tcp.ToString());
    }

    [Fact]
    public async Task Broker_grants_ipv6_loopback_by_open_and_by_bind()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/605"]
            addresses = ["::1"]
            """);

        var open = await ProbeAsync(broker, Nobody, "open", "tcp/[::1]:605");
        var bind = await ProbeAsync(broker, Nobody, "bind", "tcp/[::1]:605");
        var ipv4 = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.1:605");

        Assert.True(open.ExitCode == 0, open.ToString());
        Assert.True(bind.ExitCode == 0, bind.ToString());
        Assert.True(ipv4.ExitCode == 1, ipv4.ToString());
    }

    [Fact]
    public async Task Broker_dual_stack_wildcard_needs_the_ipv4_wildcard_too()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/606"]
            addresses = ["::"]
            """);

        var dualStack = await ProbeAsync(broker, Nobody, "query", "tcp/[::]:606");
        var dualStackOwnSocket = await ProbeAsync(broker, Nobody, "bind", "tcp/[::]:606");
        var v6Only = await ProbeAsync(broker, Nobody, "query", "--v6only", "tcp/[::]:606");
        var v6OnlyOwnSocket = await ProbeAsync(broker, Nobody, "bind", "--v6only", "tcp/[::]:606");

        Assert.True(dualStack.ExitCode == 1, dualStack.ToString());
        Assert.True(dualStackOwnSocket.ExitCode == 1, dualStackOwnSocket.ToString());
        Assert.True(v6Only.ExitCode == 0, v6Only.ToString());
        Assert.True(v6OnlyOwnSocket.ExitCode == 0, v6OnlyOwnSocket.ToString());
    }

    [Fact]
    public async Task Broker_rule_for_specific_address_does_not_grant_the_wildcard()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/607"]
            addresses = ["127.0.0.1"]
            """);

        var wildcard = await ProbeAsync(broker, Nobody, "query", "tcp/0.0.0.0:607");
        var otherLoopback = await ProbeAsync(broker, Nobody, "query", "tcp/127.0.0.2:607");

        Assert.True(wildcard.ExitCode == 1, wildcard.ToString());
        Assert.True(otherLoopback.ExitCode == 1, otherLoopback.ToString());
    }

    [Fact]
    public async Task Broker_grants_inside_a_port_range_and_not_beyond()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/610-614"]
            addresses = ["127.0.0.0/8"]
            """);

        var inside = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.3:612");
        var beyond = await ProbeAsync(broker, Nobody, "open", "tcp/127.0.0.3:615");

        Assert.True(inside.ExitCode == 0, inside.ToString());
        Assert.True(beyond.ExitCode == 1, beyond.ToString());
    }

    [Fact]
    public async Task Broker_reports_the_real_errno_when_a_granted_bind_fails()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/616"]
            """);
        using var occupant = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupant.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 616));
        occupant.Listen();

        var result = await ProbeAsync(broker, Nobody, "bind", "tcp/127.0.0.1:616");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("EADDRINUSE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"EADDRINUSE\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_decides_without_binding()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["65534"]
            ports = ["tcp/617"]
            """);
        using var occupant = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupant.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 617));

        var result = await ProbeAsync(broker, Nobody, "query", "tcp/127.0.0.1:617");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("granted by", result.Stdout, StringComparison.Ordinal);
    }
}
