using System.Net.Sockets;
using System.Text.Json;
using Privport.Client;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Broker;

/// <summary>
/// The broker started as systemd starts it from privport.socket: systemd-socket-activate passes a listening socket
/// with LISTEN_FDS. Ports 760-763 on loopback belong to this class.
/// </summary>
public sealed class SocketActivationTests(StagedPrivport privport)
{
    private const string RootMayUse760 = """
        [[allow]]
        name = "root760"
        users = ["0"]
        ports = ["tcp/760"]
        """;

    [Fact]
    public async Task A_socket_activated_broker_serves_a_grant_and_leaves_the_socket_to_systemd()
    {
        string activate = RequireSocketActivate();
        string directory = Directory.CreateTempSubdirectory("privport-activate-").FullName;
        string socketPath = Path.Combine(directory, "activated.sock");
        try
        {
            await using var broker = BrokerProcess.Start(privport, RootMayUse760,
                wrap: [activate, "--seqpacket", "--listen", socketPath]);
            await broker.Process.WaitUntilAsync(() => File.Exists(socketPath), "systemd-socket-activate's socket");

            using var socket = await new PrivportClient(socketPath).BindAsync(Endpoint.Parse("tcp/127.0.0.1:760"), cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(760, ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port);

            var status = await Run.AsRootAsync(privport.Executable, "status", "--socket", socketPath, "--json");
            using var json = JsonDocument.Parse(status.Stdout);
            Assert.True(json.RootElement.GetProperty("socket_activated").GetBoolean(), status.ToString());
            Assert.False(File.Exists(broker.SocketPath), "the broker made a socket of its own instead of adopting systemd's");

            await broker.Process.SignalAsync("TERM");
            Assert.Equal(0, await broker.Process.WaitForExitAsync());
            Assert.True(File.Exists(socketPath), "the broker removed the socket systemd owns");
            Assert.Contains("stays with the service manager", broker.Process.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_stream_socket_passed_by_mistake_is_refused_with_the_reason()
    {
        string activate = RequireSocketActivate();
        string directory = Directory.CreateTempSubdirectory("privport-activate-").FullName;
        string socketPath = Path.Combine(directory, "stream.sock");
        try
        {
            await using var broker = BrokerProcess.Start(privport, RootMayUse760, wrap: [activate, "--listen", socketPath]);
            await broker.Process.WaitUntilAsync(() => File.Exists(socketPath), "systemd-socket-activate's socket");

            // systemd-socket-activate starts the program on the first connection.
            using var stream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await stream.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), TestContext.Current.CancellationToken);

            Assert.Equal(70, await broker.Process.WaitForExitAsync());
            Assert.Contains("not SOCK_SEQPACKET", broker.Process.Stderr, StringComparison.Ordinal);
            Assert.Contains("ListenSequentialPacket", broker.Process.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Listen_variables_for_another_process_are_ignored()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, RootMayUse760,
            environment: new Dictionary<string, string?> { ["LISTEN_PID"] = "1", ["LISTEN_FDS"] = "1" });
        await broker.WaitUntilListeningAsync();

        Assert.True(File.Exists(broker.SocketPath), broker.Process.Stderr);
        Assert.True((await new PrivportClient(broker.SocketPath).QueryAsync(Endpoint.Parse("tcp/127.0.0.1:760"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    private static string RequireSocketActivate()
    {
        Privilege.RequireRoot();
        string? activate = RepositoryFiles.FindTool("systemd-socket-activate");
        Assert.SkipWhen(activate is null, "needs systemd-socket-activate (apt-get install systemd) to pass a socket as systemd does");
        return activate!;
    }
}
