using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// <c>privport forward</c> over TCP, as root, with real sockets on loopback: echo, half-close, resets, a backend
/// that is down, the connection limit and the idle timeout. Ports 720-731 on loopback belong to this class.
/// </summary>
public sealed class ForwardTcpTests(StagedPrivport privport)
{
    private static readonly IPAddress V4 = IPAddress.Loopback;
    private static readonly IPAddress V6 = IPAddress.IPv6Loopback;

    [Fact]
    public async Task Echo_through_forward_over_ipv4_and_ipv6_in_one_process()
    {
        Privilege.RequireRoot();
        await using var echo4 = TcpBackend.Echo(V4);
        await using var echo6 = TcpBackend.Echo(V6);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 2,
            "tcp/127.0.0.1:720", echo4.Target, "tcp/[::1]:720", echo6.Target);

        using var client4 = await ForwardClient.ConnectAsync(V4, 720);
        using var client6 = await ForwardClient.ConnectAsync(V6, 720);
        Assert.Equal("hello over v4", await ForwardClient.EchoAsync(client4, "hello over v4"));
        Assert.Equal("hello over v6", await ForwardClient.EchoAsync(client6, "hello over v6"));

        // A megabyte each way: more than the pipes and socket buffers hold, so flow control is exercised.
        var bulk = new byte[1 << 20];
        Random.Shared.NextBytes(bulk);
        var sending = Task.Run(async () =>
        {
            await client4.SendAsync(bulk, TestContext.Current.CancellationToken);
            client4.Shutdown(SocketShutdown.Send);
        }, TestContext.Current.CancellationToken);
        var received = await ForwardClient.ReadToEndAsync(client4);
        await sending;
        Assert.Equal(bulk, received);
    }

    [Fact]
    public async Task Client_half_close_keeps_the_backend_reply_flowing()
    {
        Privilege.RequireRoot();

        // The backend reads to end of stream, and only then answers: the answer travels after the client's FIN.
        await using var backend = new TcpBackend(V4, async socket =>
        {
            int total = 0;
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                total += read;
            }

            // The pause is the point: the backend answers well after the client's FIN, over the half-open connection.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {total} bytes after your FIN"), TestContext.Current.CancellationToken);
        });
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:721", backend.Target);

        using var client = await ForwardClient.ConnectAsync(V4, 721);
        await client.SendAsync(new byte[5000], TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("got 5000 bytes after your FIN", Encoding.ASCII.GetString(await ForwardClient.ReadToEndAsync(client)));
    }

    [Fact]
    public async Task Backend_half_close_keeps_the_client_stream_flowing()
    {
        Privilege.RequireRoot();
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(V4, async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("greeting"), TestContext.Current.CancellationToken);
            socket.Shutdown(SocketShutdown.Send);
            heard.TrySetResult(Encoding.ASCII.GetString(await ForwardClient.ReadToEndAsync(socket)));
        });
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:722", backend.Target);

        using var client = await ForwardClient.ConnectAsync(V4, 722);
        Assert.Equal("greeting", Encoding.ASCII.GetString(await ForwardClient.ReadToEndAsync(client)));
        await client.SendAsync(Encoding.ASCII.GetBytes("still talking after your FIN"), TestContext.Current.CancellationToken);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("still talking after your FIN", await heard.Task.WaitAsync(ForwardClient.Limit, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Backend_reset_reaches_the_client_as_a_reset()
    {
        Privilege.RequireRoot();
        await using var backend = new TcpBackend(V4, async socket =>
        {
            await ForwardClient.ReadAsync(socket, 4);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        });
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:723", backend.Target);

        using var client = await ForwardClient.ConnectAsync(V4, 723);
        await client.SendAsync(Encoding.ASCII.GetBytes("ping"), TestContext.Current.CancellationToken);

        Assert.Equal(SocketError.ConnectionReset, await ForwardClient.EndingAsync(client));
    }

    [Fact]
    public async Task Client_reset_reaches_the_backend_as_a_reset()
    {
        Privilege.RequireRoot();
        var ending = new TaskCompletionSource<SocketError>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new TcpBackend(V4, async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("ready"), TestContext.Current.CancellationToken);
            ending.TrySetResult(await ForwardClient.EndingAsync(socket));
        });
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:724", backend.Target);

        using var client = await ForwardClient.ConnectAsync(V4, 724);
        Assert.Equal("ready", Encoding.ASCII.GetString(await ForwardClient.ReadAsync(client, 5)));
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        Assert.Equal(SocketError.ConnectionReset, await ending.Task.WaitAsync(ForwardClient.Limit, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Backend_down_resets_the_client_promptly_and_says_so_in_the_log()
    {
        Privilege.RequireRoot();
        int nothing = ForwardClient.UnusedPort(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:725", $"127.0.0.1:{nothing}");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Bind(new IPEndPoint(V4, 0));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        var started = DateTime.UtcNow;
        SocketError ending;
        try
        {
            await client.ConnectAsync(new IPEndPoint(V4, 725), TestContext.Current.CancellationToken);
            ending = await ForwardClient.EndingAsync(client);
        }
        catch (SocketException e)
        {
            ending = e.SocketErrorCode;
        }

        Assert.Equal(SocketError.ConnectionReset, ending);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "the client waited for the refused backend");
        Assert.True(await forwarder.LogsAsync($"backend unreachable for client 127.0.0.1:{clientPort}: ECONNREFUSED"), forwarder.Stderr);
    }

    [Fact]
    public async Task Connections_over_the_limit_are_refused_and_the_open_ones_keep_working()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:726", echo.Target, "--max-conns", "2");

        using var first = await ForwardClient.ConnectAsync(V4, 726);
        using var second = await ForwardClient.ConnectAsync(V4, 726);
        Assert.Equal("one", await ForwardClient.EchoAsync(first, "one"));
        Assert.Equal("two", await ForwardClient.EchoAsync(second, "two"));

        Assert.Equal(SocketError.ConnectionReset, await ForwardClient.ConnectAndReadEndingAsync(V4, 726));
        Assert.True(await forwarder.LogsAsync("at the limit of 2 open connections"), forwarder.Stderr);
        Assert.Equal("still one", await ForwardClient.EchoAsync(first, "still one"));

        // A slot freed is a slot available again.
        second.Close();
        await Eventually.WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var fourth = await ForwardClient.ConnectAsync(V4, 726);
                    return await ForwardClient.EchoAsync(fourth, "four") == "four";
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            "the freed slot to take a fourth connection",
            10,
            () => forwarder.Stderr);
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_the_idle_timeout_and_busy_ones_are_not()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:727", echo.Target, "--idle-timeout", "1.5");

        using var idle = await ForwardClient.ConnectAsync(V4, 727);
        using var busy = await ForwardClient.ConnectAsync(V4, 727);
        var started = DateTime.UtcNow;
        var idleEnding = ForwardClient.EndingAsync(idle);
        while (!idleEnding.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(5))
        {
            Assert.Equal("tick", await ForwardClient.EchoAsync(busy, "tick"));
            // The pacing is the point: the busy connection stays active, a tick at a time, while the idle one expires.
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.Equal(SocketError.ConnectionReset, await idleEnding);
        var idleFor = DateTime.UtcNow - started;
        Assert.InRange(idleFor.TotalSeconds, 1.2, 4.0);
        Assert.Equal("still here", await ForwardClient.EchoAsync(busy, "still here"));
    }

    [Fact]
    public async Task Sigterm_stops_accepting_and_lets_open_connections_finish()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:728", echo.Target);
        using var open = await ForwardClient.ConnectAsync(V4, 728);
        Assert.Equal("before", await ForwardClient.EchoAsync(open, "before"));

        await forwarder.SignalAsync("TERM");
        Assert.True(await forwarder.LogsAsync("stopping: no new connections"), forwarder.Stderr);
        // Watched in /proc/net/tcp, not by connecting: a connection that got in would count in the drain.
        await Eventually.WaitUntilAsync(
            () => !File.ReadLines("/proc/net/tcp").Any(line => line.Contains(" 0100007F:02D8 00000000:0000 0A ", StringComparison.Ordinal)),
            "the listener on 127.0.0.1:728 to close",
            10,
            () => forwarder.Stderr);

        var refused = await Assert.ThrowsAsync<SocketException>(() => ForwardClient.ConnectAsync(V4, 728));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal("during the drain", await ForwardClient.EchoAsync(open, "during the drain"));
        Assert.False(forwarder.HasExited);

        open.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ForwardClient.ReadToEndAsync(open));
        Assert.Equal(0, await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("stopped: 1 connections", forwarder.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_deadline_resets_connections_that_do_not_finish()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:729", echo.Target, "--drain-timeout", "1");
        using var open = await ForwardClient.ConnectAsync(V4, 729);
        Assert.Equal("x", await ForwardClient.EchoAsync(open, "x"));

        var started = DateTime.UtcNow;
        await forwarder.SignalAsync("TERM");

        Assert.Equal(SocketError.ConnectionReset, await ForwardClient.EndingAsync(open));
        Assert.Equal(0, await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 0.8, 6);
        Assert.Contains("drain deadline reached; reset 1 connections", forwarder.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_thousand_short_connections_leave_no_descriptor_or_memory_growth()
    {
        Privilege.RequireRoot();

        // The backend answers and closes first, and the client closes last, so the TIME_WAIT states stay on the
        // listening ports instead of holding 20,000 ephemeral ports that other tests bind.
        await using var echo = new TcpBackend(V4, async socket =>
        {
            await socket.SendAsync(await ForwardClient.ReadAsync(socket, 4));
            socket.Shutdown(SocketShutdown.Send);
            await ForwardClient.EndingAsync(socket);
        });
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "tcp/127.0.0.1:730", echo.Target, "--threads", "1");

        await ShortConnectionsAsync(1000);
        int last = -1;
        await Eventually.WaitUntilAsync(
            () =>
            {
                int now = forwarder.OpenDescriptors();
                bool settled = now == last;
                last = now;
                return settled;
            },
            "the forwarder's descriptors to settle after 1000 connections");
        int descriptors = forwarder.OpenDescriptors();
        long resident = forwarder.ResidentKilobytes();

        await ShortConnectionsAsync(10_000);
        await Eventually.WaitUntilAsync(() => forwarder.OpenDescriptors() <= descriptors + 32, "the 10000 connections' descriptors to be released", 10, () => $"{forwarder.OpenDescriptors()} open, {descriptors} after the first 1000");

        // The one loop keeps at most 16 empty pipes (32 descriptors) for reuse, however many connections came.
        Assert.InRange(forwarder.OpenDescriptors(), 0, descriptors + 32);
        Assert.InRange(forwarder.ResidentKilobytes() - resident, long.MinValue, 8 * 1024);
        Assert.Contains("0 backend failures", await StopAndLogAsync(forwarder), StringComparison.Ordinal);
    }

    private static async Task<string> StopAndLogAsync(RunningForwarder forwarder)
    {
        Assert.Equal(0, await forwarder.StopAsync());
        return forwarder.Stderr;
    }

    private static async Task ShortConnectionsAsync(int count)
    {
        const int Parallel = 8;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        await Task.WhenAll(Enumerable.Range(0, Parallel).Select(async worker =>
        {
            var payload = Encoding.ASCII.GetBytes("ping");
            for (int i = worker; i < count && DateTime.UtcNow < deadline; i += Parallel)
            {
                using var client = await ForwardClient.ConnectAsync(V4, 730);
                await client.SendAsync(payload);
                Assert.Equal(payload, await ForwardClient.ReadToEndAsync(client));
            }
        }));
        Assert.True(DateTime.UtcNow < deadline, $"{count} connections took longer than 90 s");
    }
}
