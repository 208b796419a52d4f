using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Interop;
using Privport.Protocol;
using Privport.Tests.Infrastructure;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Broker;

/// <summary>
/// What a hostile or broken client can send, and that the broker answers each with a clear error, closes every
/// descriptor it received, and goes on serving everyone else. Ports 630-639 on loopback belong to this class.
/// </summary>
public sealed class BrokerHostileInputTests(StagedPrivport privport)
{
    private const string RootMayUse630To639 = """
        [[allow]]
        name = "root-tests"
        users = ["0"]
        ports = ["tcp/630-639", "udp/630-639"]
        """;

    private static Socket Tcp() => new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    private static void AssertInvalid(BrokerReply reply, string reasonPart)
    {
        Assert.Equal(EINVAL, reply.Status);
        Assert.Equal(ReplyDecision.None, reply.Decision);
        Assert.Contains(reasonPart, reply.Reason, StringComparison.Ordinal);
    }

    private static void AssertServes(RunningBroker broker)
    {
        using var next = new RawBrokerConnection(broker.SocketPath);
        var (reply, _) = next.Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630"));
        Assert.Equal(0, reply.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(4000)]
    public async Task Request_of_wrong_size_gets_EINVAL_and_the_connection_is_closed(int size)
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        var payload = new byte[size];
        RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630").AsSpan(0, Math.Min(size, WireFormat.RequestSize)).CopyTo(payload);

        client.Send(payload);
        var answer = client.Receive();

        if (size == 0)
        {
            Assert.Null(answer);
        }
        else
        {
            AssertInvalid(answer!.Value.Reply, "invalid request");
            Assert.True(client.IsClosedByBroker());
        }

        AssertServes(broker);
    }

    [Fact]
    public async Task Request_with_wrong_magic_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        var payload = RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630");
        payload[0] ^= 0xff;

        AssertInvalid(client.Exchange(payload).Reply, "magic");
        AssertServes(broker);
    }

    [Fact]
    public async Task Bind_with_a_file_instead_of_a_socket_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var file = File.OpenHandle(broker.PolicyPath);

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), file).Reply, "not a socket");
    }

    [Fact]
    public async Task Bind_with_a_unix_socket_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), unix.SafeHandle).Reply, "AF_UNIX");
    }

    [Fact]
    public async Task Bind_with_a_udp_socket_declared_as_tcp_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), udp.SafeHandle).Reply, "TCP");
    }

    [Fact]
    public async Task Bind_with_an_ipv6_socket_declared_as_ipv4_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), v6.SafeHandle).Reply, "AF_INET6");
    }

    [Fact]
    public async Task Bind_with_an_already_bound_socket_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var bound = Tcp();
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), bound.SafeHandle).Reply, "already bound");
    }

    [Fact]
    public async Task Bind_with_two_sockets_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var first = Tcp();
        using var second = Tcp();

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), first.SafeHandle, second.SafeHandle).Reply, "exactly one socket");
    }

    [Fact]
    public async Task Open_carrying_a_descriptor_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        using var stray = Tcp();

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Open, "tcp/127.0.0.1:631"), stray.SafeHandle).Reply, "carries no descriptor");
    }

    [Fact]
    public async Task Bind_without_a_socket_gets_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);

        AssertInvalid(client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631")).Reply, "exactly one socket");
    }

    [Fact]
    public async Task More_descriptors_than_the_broker_takes_truncate_control_data_and_get_EINVAL()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        using var client = new RawBrokerConnection(broker.SocketPath);
        var sockets = Enumerable.Range(0, UnixMessage.MaxReceivedFds + 4).Select(_ => Tcp()).ToArray();
        try
        {
            var reply = client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), [.. sockets.Select(s => s.SafeHandle)]).Reply;
            AssertInvalid(reply, "control data truncated");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        AssertServes(broker);
    }

    [Fact]
    public async Task Silent_client_is_disconnected_after_the_timeout_and_others_are_served_meanwhile()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639, clientTimeoutSeconds: 1.5);
        using var silent = new RawBrokerConnection(broker.SocketPath, receiveTimeout: TimeSpan.FromSeconds(10));
        var started = System.Diagnostics.Stopwatch.StartNew();

        AssertServes(broker);
        var servedAfter = started.Elapsed;
        bool closed = silent.IsClosedByBroker();
        var closedAfter = started.Elapsed;

        Assert.True(servedAfter < TimeSpan.FromSeconds(1), $"another client waited {servedAfter}");
        Assert.True(closed);
        Assert.InRange(closedAfter, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_uid_over_its_connection_limit_gets_EAGAIN_with_a_reason_and_others_are_still_served()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639, clientTimeoutSeconds: 30);
        var held = new List<RawBrokerConnection>();
        try
        {
            for (int i = 0; i < 128; i++)
            {
                // One answered request each: the broker has surely counted the connection before the next.
                var connection = new RawBrokerConnection(broker.SocketPath);
                held.Add(connection);
                Assert.Equal(0, connection.Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630")).Reply.Status);
            }

            using var extra = new RawBrokerConnection(broker.SocketPath);
            (BrokerReply Reply, SafeFdHandle? Fd)? refused;
            try
            {
                refused = extra.Receive();
            }
            catch (SystemCallException e)
            {
                throw new InvalidOperationException($"no refusal ({e.Message}); broker log:\n{broker.Stderr}", e);
            }

            Assert.NotNull(refused);
            Assert.Equal(EAGAIN, refused.Value.Reply.Status);
            Assert.Contains("uid 0", refused.Value.Reply.Reason, StringComparison.Ordinal);
            var (reply, _) = held[0].Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630"));
            Assert.Equal(0, reply.Status);
        }
        finally
        {
            foreach (var connection in held)
            {
                connection.Dispose();
            }
        }
    }

    [Fact]
    public async Task Broker_leaks_no_descriptor_after_thousands_of_requests()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, RootMayUse630To639);
        void Round(int i)
        {
            using var client = new RawBrokerConnection(broker.SocketPath);
            switch (i % 5)
            {
                case 0:
                    // Ports of their own: the broker closes its copy of an OPEN socket just after the reply, and that
                    // copy is listening, so a bind of the same port at that instant would meet it.
                    var (opened, fd) = client.Exchange(RawBrokerConnection.Encode(BrokerOp.Open, $"tcp/127.0.0.1:{636 + (i % 4)}", BindOptions.ReuseAddress));
                    Assert.Equal(0, opened.Status);
                    Assert.NotNull(fd);
                    fd.Dispose();
                    break;
                case 1:
                    using (var own = Tcp())
                    {
                        own.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                        Assert.Equal(0, client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, $"tcp/127.0.0.1:{632 + (i % 4)}"), own.SafeHandle).Reply.Status);
                    }

                    break;
                case 2:
                    using (var a = Tcp())
                    using (var b = Tcp())
                    using (var c = Tcp())
                    {
                        Assert.Equal(EINVAL, client.Exchange(RawBrokerConnection.Encode(BrokerOp.Bind, "tcp/127.0.0.1:631"), a.SafeHandle, b.SafeHandle, c.SafeHandle).Reply.Status);
                    }

                    break;
                case 3:
                    Assert.Equal(EACCES, client.Exchange(RawBrokerConnection.Encode(BrokerOp.Open, "tcp/127.0.0.1:700")).Reply.Status);
                    break;
                default:
                    using (var stray = Tcp())
                    {
                        Assert.Equal(EINVAL, client.Exchange(new byte[17], stray.SafeHandle).Reply.Status);
                    }

                    break;
            }
        }

        for (int i = 0; i < 50; i++)
        {
            Round(i);
        }

        // A client that waits before asking goes through the broker's waiting set: that path too before counting.
        using (var slow = new RawBrokerConnection(broker.SocketPath))
        {
            // The pause is the point: a client quiet this long is parked in the waiting set before it asks.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.Equal(0, slow.Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:630")).Reply.Status);
        }

        await Task.Delay(200, TestContext.Current.CancellationToken);
        int before = broker.OpenSocketsAndPidfds();
        for (int i = 0; i < 2500; i++)
        {
            Round(i);
        }

        // Connections handed to async I/O are reaped shortly after their clients hang up: wait for that, boundedly.
        await Eventually.WaitUntilAsync(() => broker.OpenSocketsAndPidfds() <= before + 2, "the served connections to be reaped", 5, () => $"{broker.OpenSocketsAndPidfds()} open, {before} before");
        int after = broker.OpenSocketsAndPidfds();
        Assert.True(after <= before + 2, $"broker had {before} sockets and pidfds open before 2500 requests and {after} after: " +
            string.Join(", ", broker.DescribeDescriptors().GroupBy(target => target).Select(group => $"{group.Key} x{group.Count()}")));
        Assert.Equal(2551, broker.AuditLines().Length);
    }
}
