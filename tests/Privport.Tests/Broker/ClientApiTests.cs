using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>Privport.Client against a real broker. Ports 650-659 on loopback belong to this class.</summary>
public sealed class ClientApiTests(StagedPrivport privport)
{
    private const string RootMay650To655 = """
        [[allow]]
        name = "api"
        users = ["0"]
        ports = ["tcp/650-655", "udp/650-655"]
        addresses = ["127.0.0.1", "::1"]
        """;

    [Fact]
    public async Task BindAsync_returns_a_listening_capable_socket_bound_by_the_broker()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMay650To655);
        var client = new PrivportClient(broker.SocketPath);

        using var listener = await client.BindAsync(Endpoint.Parse("tcp/127.0.0.1:650"), BindOptions.ReuseAddress, TestContext.Current.CancellationToken);
        listener.Listen();
        using var caller = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await caller.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 650), TestContext.Current.CancellationToken);
        using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 650), listener.LocalEndPoint);
        Assert.NotNull(accepted);
    }

    [Fact]
    public async Task BindSocketAsync_binds_the_applications_own_socket_keeping_its_options()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMay650To655);
        var client = new PrivportClient(broker.SocketPath);
        using var own = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        own.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);

        using var bound = await client.BindSocketAsync(own, Endpoint.Parse("tcp/[::1]:651"), TestContext.Current.CancellationToken);
        bound.Listen();

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 651), bound.LocalEndPoint);
        Assert.Equal(1, (int)bound.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress)!);
    }

    [Fact]
    public async Task Denial_surfaces_as_PrivportException_carrying_the_brokers_reason()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMay650To655);
        var client = new PrivportClient(broker.SocketPath);

        var denied = await Assert.ThrowsAsync<PrivportException>(() => client.BindAsync(Endpoint.Parse("tcp/127.0.0.1:659"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(13, denied.Errno);
        Assert.Equal(ReplyDecision.Deny, denied.Decision);
        Assert.False(string.IsNullOrWhiteSpace(denied.Reason));
        Assert.Contains(denied.Reason, denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_broker_surfaces_as_PrivportException_saying_how_to_start_it()
    {
        var client = new PrivportClient("/nonexistent/privport/broker.sock");

        var failure = await Assert.ThrowsAsync<PrivportException>(() => client.QueryAsync(Endpoint.Parse("tcp/80"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.True(failure.BrokerUnreachable);
        Assert.Contains("privport serve", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_honours_PRIVPORT_SOCKET_only_when_no_path_is_given()
    {
        Assert.Equal("/x/given.sock", new PrivportClient("/x/given.sock").SocketPath);
        Assert.Equal(Environment.GetEnvironmentVariable(PrivportClient.SocketEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : PrivportClient.DefaultSocketPath,
            new PrivportClient().SocketPath);
    }
}
