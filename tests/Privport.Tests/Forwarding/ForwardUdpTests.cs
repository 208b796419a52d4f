using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary><c>privport forward</c> for UDP: a flow per client, replies to the right client, flows expire. Ports 745-747.</summary>
public sealed class ForwardUdpTests(StagedPrivport privport)
{
    /// <summary>A UDP backend answering each datagram with "PORT:TEXT", PORT being the sender's port as it sees it.</summary>
    private static (Socket Socket, Task Serving) StartBackend(IPAddress address, CancellationToken stop)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        var serving = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            EndPoint any = new IPEndPoint(address.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
            while (!stop.IsCancellationRequested)
            {
                SocketReceiveFromResult got;
                try
                {
                    got = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                var sender = (IPEndPoint)got.RemoteEndPoint;
                string reply = $"{sender.Port}:{Encoding.ASCII.GetString(buffer, 0, got.ReceivedBytes)}";
                await socket.SendToAsync(Encoding.ASCII.GetBytes(reply), SocketFlags.None, sender, stop);
            }
        }, stop);
        return (socket, serving);
    }

    private static async Task<string> AskAsync(Socket client, IPEndPoint forward, string text)
    {
        using var deadline = new CancellationTokenSource(ForwardClient.Limit);
        await client.SendToAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, forward, deadline.Token);
        var buffer = new byte[2048];
        int read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static Socket Client(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    [Theory]
    [InlineData("127.0.0.1", 745)]
    [InlineData("::1", 746)]
    public async Task Each_client_gets_its_own_flow_and_its_own_replies(string addressText, int port)
    {
        Privilege.RequireRoot();
        var address = IPAddress.Parse(addressText);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var (backend, serving) = StartBackend(address, stop.Token);
        using (backend)
        {
            var target = (IPEndPoint)backend.LocalEndPoint!;
            string listen = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"udp/[{address}]:{port}" : $"udp/{address}:{port}";
            await using var forwarder = await RunningForwarder.StartAsync(privport, 1, listen, target.ToString());
            var forward = new IPEndPoint(address, port);
            using var first = Client(address);
            using var second = Client(address);

            string a1 = await AskAsync(first, forward, "one");
            string b1 = await AskAsync(second, forward, "two");
            string a2 = await AskAsync(first, forward, "three");

            // The backend sees one flow socket per client: the same port for a client's datagrams, another for the next.
            Assert.EndsWith(":one", a1, StringComparison.Ordinal);
            Assert.EndsWith(":two", b1, StringComparison.Ordinal);
            Assert.EndsWith(":three", a2, StringComparison.Ordinal);
            Assert.Equal(a1.Split(':')[0], a2.Split(':')[0]);
            Assert.NotEqual(a1.Split(':')[0], b1.Split(':')[0]);
            await stop.CancelAsync();
        }

        await serving;
    }

    [Fact]
    public async Task Idle_flows_expire_and_a_new_datagram_opens_a_new_flow()
    {
        Privilege.RequireRoot();
        var address = IPAddress.Loopback;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var (backend, serving) = StartBackend(address, stop.Token);
        using (backend)
        {
            await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "udp/127.0.0.1:747", backend.LocalEndPoint!.ToString()!, "--idle-timeout", "1");
            var forward = new IPEndPoint(address, 747);
            using var client = Client(address);
            int descriptors = forwarder.OpenDescriptors();

            string before = await AskAsync(client, forward, "a");
            Assert.Equal(descriptors + 1, forwarder.OpenDescriptors());
            // Expiry runs on the forwarder's own schedule (an idle timeout of 1 s, checked periodically): wait for it.
            await Eventually.WaitUntilAsync(() => forwarder.OpenDescriptors() == descriptors, "the idle flow's socket to close", 10);
            string after = await AskAsync(client, forward, "b");

            Assert.NotEqual(before.Split(':')[0], after.Split(':')[0]);
            await stop.CancelAsync();
        }

        await serving;
    }
}
