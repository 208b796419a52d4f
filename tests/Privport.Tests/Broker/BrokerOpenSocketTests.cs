using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Privport.Client;
using Privport.Interop;
using Privport.Protocol;
using Privport.Commands;
using Privport.Tests.Infrastructure;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Broker;

/// <summary>
/// Sockets the broker makes for OPEN belong to the broker (its uid, its network namespace), so what a client may do
/// with one is narrower than with its own: no SO_REUSEPORT group across users, no socket across network namespaces,
/// no connect(2) on a TCP socket. Ports 860-879 on loopback belong to this class.
/// </summary>
public sealed class BrokerOpenSocketTests(StagedPrivport privport)
{
    private const uint Alice = 61860;
    private const uint Bob = 61861;

    private const string SharedPorts = """
        [[allow]]
        name = "shared"
        users = ["61860", "61861"]
        ports = ["tcp/860", "tcp/862"]
        addresses = ["127.0.0.1"]
        """;

    private const string SharedByChoice = """
        [[allow]]
        name = "shared-by-choice"
        users = ["61860", "61861"]
        ports = ["tcp/861"]
        addresses = ["127.0.0.1"]
        reuseport = true
        """;

    private Task<ProcessResult> ExecWithReusePortAsync(RunningBroker broker, uint uid, int port) =>
        Run.AsUidAsync(uid, privport.Executable, "exec", "--socket", broker.SocketPath, "--port", $"tcp/127.0.0.1:{port},reuseport", "--", "true");

    [Fact]
    public async Task Open_with_reuseport_is_refused_to_each_user_of_a_shared_port_naming_the_rule_key()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, SharedPorts);

        var first = await ExecWithReusePortAsync(broker, Alice, 860);
        var second = await ExecWithReusePortAsync(broker, Bob, 860);

        Assert.True(first.ExitCode == ExitCodes.Denied, first.ToString());
        Assert.True(second.ExitCode == ExitCodes.Denied, second.ToString());
        Assert.Contains("reuseport = true", second.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_with_reuseport_is_granted_by_a_rule_that_opts_in()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, SharedByChoice);

        var first = await ExecWithReusePortAsync(broker, Alice, 861);
        var second = await ExecWithReusePortAsync(broker, Bob, 861);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
    }

    [Fact]
    public async Task Open_with_reuseport_cannot_join_a_root_services_reuseport_listener()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, SharedPorts);
        using var rootService = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        rootService.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
        rootService.Bind(new IPEndPoint(IPAddress.Loopback, 862));
        rootService.Listen();

        var joiner = await ExecWithReusePortAsync(broker, Alice, 862);

        Assert.True(joiner.ExitCode == ExitCodes.Denied, joiner.ToString());
        Assert.Contains("reuseport = true", joiner.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_from_another_network_namespace_is_refused_naming_the_rule_key()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "host-only"
            users = ["61860"]
            ports = ["tcp/863"]
            """);

        var isolated = await OpenInIsolatedNetworkNamespaceAsync(broker, 863);
        var hostNamespace = await Run.AsUidAsync(Alice, privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:863");

        Assert.True(isolated.ExitCode == 1, isolated.ToString());
        Assert.Contains("another network namespace", isolated.Stdout, StringComparison.Ordinal);
        Assert.Contains("any_network_namespace = true", isolated.Stdout, StringComparison.Ordinal);
        Assert.True(hostNamespace.ExitCode == 0, hostNamespace.ToString());
    }

    [Fact]
    public async Task Open_from_another_network_namespace_is_granted_by_a_rule_that_opts_in()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "any-netns"
            users = ["61860"]
            ports = ["tcp/864"]
            any_network_namespace = true
            """);

        var optedIn = await OpenInIsolatedNetworkNamespaceAsync(broker, 864);

        Assert.True(optedIn.ExitCode == 0, optedIn.ToString());
    }

    /// <summary>OPEN from an unprivileged user's own user and network namespaces: only a loopback that is down.</summary>
    private async Task<ProcessResult> OpenInIsolatedNetworkNamespaceAsync(RunningBroker broker, int port)
    {
        Assert.SkipWhen(Packaging.RepositoryFiles.FindTool("unshare") is null, "needs unshare(1) from util-linux");
        var result = await Run.AsUidAsync(Alice, "unshare", "-Urn", privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", $"tcp/127.0.0.1:{port}");
        Assert.SkipWhen(result.Stderr.Contains("unshare failed", StringComparison.Ordinal), $"unprivileged user namespaces are not allowed here: {result.Stderr}");
        return result;
    }

    [Fact]
    public async Task Open_tcp_socket_arrives_listening_so_it_accepts_but_cannot_connect()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["0"]
            ports = ["tcp/865"]
            addresses = ["127.0.0.1"]
            """);
        using var target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        target.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        target.Listen();
        using var connection = new RawBrokerConnection(broker.SocketPath);

        var (reply, fd) = connection.Exchange(RawBrokerConnection.Encode(BrokerOp.Open, "tcp/127.0.0.1:865", BindOptions.ReuseAddress));
        Assert.Equal(0, reply.Status);
        using var opened = Assert.IsType<SafeFdHandle>(fd);
        int connectErrno = ConnectErrno(opened, (IPEndPoint)target.LocalEndPoint!);
        Assert.Equal(EISCONN, connectErrno);
        using var visitor = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await visitor.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 865), TestContext.Current.CancellationToken);
        using var listener = new Socket(new SafeSocketHandle(Dup(opened), ownsHandle: true));
        using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);

        Assert.Equal(visitor.LocalEndPoint, accepted.RemoteEndPoint);
    }

    [Fact]
    public async Task Open_tcp_port_can_be_opened_again_as_soon_as_its_client_closes_it()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            users = ["0"]
            ports = ["tcp/866"]
            addresses = ["127.0.0.1"]
            """);
        var request = RawBrokerConnection.Encode(BrokerOp.Open, "tcp/127.0.0.1:866", BindOptions.ReuseAddress);
        var refusals = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int rounds = 0;

        // The broker's own copy of a listening OPEN socket is closed just after its reply: a client as quick as this
        // one asks again before that, and must not be refused because of the broker's leftover.
        for (; rounds < 2000 && DateTime.UtcNow < deadline; rounds++)
        {
            using var connection = new RawBrokerConnection(broker.SocketPath);
            var (reply, fd) = connection.Exchange(request);
            fd?.Dispose();
            if (reply.Status != 0)
            {
                refusals.Add(reply.Reason);
            }
        }

        Assert.True(refusals.Count == 0, $"{refusals.Count} of {rounds} OPENs refused, e.g. {refusals.FirstOrDefault()}");
    }

    private static unsafe int ConnectErrno(SafeHandle socket, IPEndPoint target)
    {
        var address = target.Serialize();
        fixed (byte* raw = address.Buffer.Span)
        {
            return connect(socket, raw, (uint)address.Size) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    private static IntPtr Dup(SafeFdHandle fd)
    {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        Assert.True(copy >= 0, $"fcntl F_DUPFD_CLOEXEC: errno {Marshal.GetLastPInvokeError()}");
        return copy;
    }
}
