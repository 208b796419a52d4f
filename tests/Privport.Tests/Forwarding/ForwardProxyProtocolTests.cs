using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// PROXY protocol through <c>privport forward</c>: the exact bytes a backend receives, and a real parser (nginx's
/// <c>listen ... proxy_protocol</c>) reading the client's address from them. Ports 740-744 on loopback belong to this class.
/// </summary>
public sealed class ForwardProxyProtocolTests(StagedPrivport privport)
{
    private static readonly IPAddress V4 = IPAddress.Loopback;

    [Fact]
    public async Task Proxy_v1_header_reaches_the_backend_byte_for_byte_before_the_client_data()
    {
        Privilege.RequireRoot();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(V4, async socket =>
            received.TrySetResult(Encoding.ASCII.GetString(await ForwardClient.ReadToEndAsync(socket))));
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:740", backend.Target, "--proxy-protocol", "v1");

        using var client = await ForwardClient.ConnectAsync(V4, 740);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"), TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal($"PROXY TCP4 127.0.0.1 127.0.0.1 {clientPort} 740\r\nGET / HTTP/1.0\r\n\r\n",
            await received.Task.WaitAsync(ForwardClient.Limit, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Proxy_v2_header_reaches_the_backend_byte_for_byte_before_the_client_data()
    {
        Privilege.RequireRoot();
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(IPAddress.IPv6Loopback, async socket => received.TrySetResult(await ForwardClient.ReadToEndAsync(socket)));
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/[::1]:741", backend.Target, "--proxy-protocol", "v2");

        using var client = await ForwardClient.ConnectAsync(IPAddress.IPv6Loopback, 741);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await client.SendAsync(new byte[] { 1, 2, 3 }, TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send);

        byte[] loopback = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        byte[] expected =
        [
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
            0x21, 0x21, 0x00, 0x24,
            .. loopback, .. loopback,
            (byte)(clientPort >> 8), (byte)clientPort,
            0x02, 0xE5,
            1, 2, 3,
        ];
        Assert.Equal(expected, await received.Task.WaitAsync(ForwardClient.Limit, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("v1", 742)]
    [InlineData("v2", 743)]
    public async Task Nginx_reads_the_real_client_address_from_the_header(string version, int port)
    {
        Privilege.RequireRoot();
        NginxBackend.Require();
        await using var nginx = await NginxBackend.StartAsync("proxy_protocol", "return 200 \"client $proxy_protocol_addr:$proxy_protocol_port\";");
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, $"tcp/127.0.0.1:{port}", nginx.Target, "--proxy-protocol", version);

        using var client = await ForwardClient.ConnectAsync(V4, port);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\nHost: test\r\n\r\n"), TestContext.Current.CancellationToken);
        string reply = Encoding.ASCII.GetString(await ForwardClient.ReadToEndAsync(client));

        Assert.StartsWith("HTTP/1.1 200", reply, StringComparison.Ordinal);
        Assert.EndsWith($"client 127.0.0.1:{clientPort}", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_keep_alive_requests_through_forward_reach_nginx()
    {
        Privilege.RequireRoot();
        NginxBackend.Require();
        await using var nginx = await NginxBackend.StartAsync("", "return 200 \"hello from nginx\";");
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:744", nginx.Target);

        using var http = new HttpClient();
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("hello from nginx", await http.GetStringAsync(new Uri("http://127.0.0.1:744/"), TestContext.Current.CancellationToken));
        }
    }
}
