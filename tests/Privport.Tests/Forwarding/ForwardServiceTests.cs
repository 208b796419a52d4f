using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// <c>privport forward</c> as a service: it tells systemd when it forwards and when it stops (the test plays systemd's
/// NOTIFY_SOCKET), and a SIGTERM or SIGINT drains for as long as <c>--drain-timeout</c> says, then exits 0.
/// Ports 415-429 on loopback belong to this class.
/// </summary>
public sealed class ForwardServiceTests(StagedPrivport privport)
{
    private static readonly IPAddress V4 = IPAddress.Loopback;

    [Fact]
    public async Task Forwarder_notifies_ready_once_forwarding_as_its_user_and_stopping_as_the_drain_begins()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-forward-notify-").FullName;
        try
        {
            // The forwarder notifies after it has re-executed itself as uid 65534, which must reach the socket.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            string notifyPath = Path.Combine(directory, "notify");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
            File.SetUnixFileMode(notifyPath, (UnixFileMode)0b111_111_111);
            await using var echo = TcpBackend.Echo(V4);
            await using var forwarder = await RunningForwarder.StartAsync(privport, new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notifyPath }, 1,
                "--user", "65534", "tcp/127.0.0.1:415", echo.Target);

            string ready = await ReceiveAsync(notify, forwarder);
            Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
            Assert.Contains($"STATUS=forwarding tcp/127.0.0.1:415 -> {echo.Target}", ready, StringComparison.Ordinal);
            Assert.Equal("65534\t65534\t65534\t65534", forwarder.Status("Uid"));
            using var open = await ForwardClient.ConnectAsync(V4, 415);
            Assert.Equal("ready", await ForwardClient.EchoAsync(open, "ready"));

            await forwarder.SignalAsync("TERM");
            Assert.StartsWith("STOPPING=1", await ReceiveAsync(notify, forwarder), StringComparison.Ordinal);
            Assert.Equal("draining", await ForwardClient.EchoAsync(open, "draining"));
            Assert.False(forwarder.HasExited, "the forwarder ended before its open connection did");
            open.Shutdown(SocketShutdown.Send);
            Assert.Empty(await ForwardClient.ReadToEndAsync(open));
            Assert.Equal(0, await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("TERM", 416)]
    [InlineData("INT", 417)]
    public async Task A_drain_longer_than_two_seconds_runs_to_its_deadline_and_exits_0(string signal, int port)
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, $"tcp/127.0.0.1:{port}", echo.Target, "--drain-timeout", "4");
        using var open = await ForwardClient.ConnectAsync(V4, port);
        Assert.Equal("x", await ForwardClient.EchoAsync(open, "x"));

        var stopping = Stopwatch.StartNew();
        await forwarder.SignalAsync(signal);

        Assert.Equal(0, await forwarder.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.InRange(stopping.Elapsed.TotalSeconds, 3.5, 12);
        Assert.Contains("drain deadline reached; reset 1 connections", forwarder.Stderr, StringComparison.Ordinal);
    }

    private static Task<string> ReceiveAsync(Socket notify, RunningForwarder forwarder) => NotifyMessages.ReceiveAsync(notify, () => forwarder.Stderr);
}
