using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// Many idle clients against a <c>privport forward</c> started under a low open-file limit (prlimit): with the
/// defaults it caps connections below what the limit holds, refuses the rest with a reset and goes on serving; told
/// to take no cap, it runs out of descriptors without spinning, resets the clients it cannot take and survives a
/// transfer it cannot get a pipe for. Ports 900, 901 and 906 on loopback belong to this class.
/// </summary>
public sealed partial class ForwardDescriptorLimitTests(StagedPrivport privport)
{
    private const int OpenFileLimit = 256;
    private const int Clients = 180;
    private static readonly IPAddress V4 = IPAddress.Loopback;

    [Fact]
    public async Task With_the_defaults_idle_clients_reach_the_cap_not_the_descriptor_limit_and_are_reclaimed_when_idle()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);
        await using var forwarder = await RunningForwarder.StartWrappedAsync(privport, ["prlimit", $"--nofile={OpenFileLimit}:{OpenFileLimit}"], 1,
            "--user", "65534", "--threads", "1", "--idle-timeout", "4", "tcp/127.0.0.1:900", echo.Target);
        int baseline = forwarder.OpenDescriptors();

        var clients = new List<Socket>();
        try
        {
            clients.Add(await ForwardClient.ConnectAsync(V4, 900));
            Assert.Equal("first", await ForwardClient.EchoAsync(clients[0], "first"));
            var flood = Stopwatch.StartNew();
            int refusedAtConnect = await FloodAsync(clients, 900);

            flood.Stop();

            // Refused clients are reset; the ones forwarded sit idle, with nothing to read (for 4 s, the idle timeout).
            int cap = int.Parse(CapLine().Match(forwarder.Stderr).Groups[1].Value, CultureInfo.InvariantCulture);
            await Eventually.WaitUntilAsync(
                () => Clients - refusedAtConnect - clients.Count(client => client.Poll(0, SelectMode.SelectRead)) <= cap,
                "the clients over the cap to be reset",
                3,
                () => forwarder.Stderr);
            var refused = clients.Where(client => client.Poll(0, SelectMode.SelectRead)).ToList();
            Assert.DoesNotContain("Too many open files", forwarder.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("out of descriptors", forwarder.Stderr, StringComparison.Ordinal);
            Assert.True(refused.Count + refusedAtConnect > 0, forwarder.Stderr);
            foreach (var client in refused)
            {
                Assert.Equal(SocketError.ConnectionReset, await ForwardClient.EndingAsync(client));
            }

            Assert.Equal("still first", await ForwardClient.EchoAsync(clients[0], "still first"));

            Assert.Contains($"from the open-file limit of {OpenFileLimit}", forwarder.Stderr, StringComparison.Ordinal);
            Assert.Contains("idle connections closed after 4 s", forwarder.Stderr, StringComparison.Ordinal);
            Assert.Equal(cap, Clients - refusedAtConnect - refused.Count);
            Assert.InRange(forwarder.OpenDescriptors(), 0, baseline + (2 * cap) + 4);

            // The cap is logged once per second at most, however many clients it turns away.
            int lines = forwarder.CountInStderr($"at the limit of {cap} open connections");
            Assert.InRange(lines, 1, 1 + (int)flood.Elapsed.TotalSeconds);

            // Idle clients are reset after the idle timeout, their descriptors are back, and new clients get in.
            var forwarded = clients.Except(refused).ToList();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (forwarded.Any(client => !client.Poll(0, SelectMode.SelectRead)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            Assert.All(forwarded, client => Assert.True(client.Poll(0, SelectMode.SelectRead), "a forwarded idle client is still open"));
            Assert.Equal(SocketError.ConnectionReset, await ForwardClient.EndingAsync(forwarded[^1]));
            Assert.InRange(forwarder.OpenDescriptors(), 0, baseline + 4);
            using var late = await ForwardClient.ConnectAsync(V4, 900);
            Assert.Equal("late", await ForwardClient.EchoAsync(late, "late"));
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Fact]
    public async Task Without_a_cap_out_of_descriptors_it_resets_new_clients_without_spinning_and_keeps_serving()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(V4);

        // Sends 32 MiB once asked: more than the sockets buffer, so the forwarder needs a pipe to pass it on.
        await using var bulk = new TcpBackend(V4, async socket =>
        {
            await socket.ReceiveAsync(new byte[1]);
            var chunk = new byte[1 << 20];
            for (int i = 0; i < 32; i++)
            {
                await socket.SendAsync(chunk);
            }
        });
        await using var forwarder = await RunningForwarder.StartWrappedAsync(privport, ["prlimit", $"--nofile={OpenFileLimit}:{OpenFileLimit}"], 2,
            "--user", "65534", "--threads", "1", "--max-conns", "0", "tcp/127.0.0.1:901", echo.Target, "tcp/127.0.0.1:906", bulk.Target);

        var clients = new List<Socket>();
        try
        {
            using var download = await ForwardClient.ConnectAsync(V4, 906);
            clients.Add(await ForwardClient.ConnectAsync(V4, 901));
            Assert.Equal("first", await ForwardClient.EchoAsync(clients[0], "first"));
            int refusedAtConnect = await FloodAsync(clients, 901);

            // Out of descriptors: a forwarder that retries accept at once burns a CPU for as long as clients wait.
            await Task.Delay(500, TestContext.Current.CancellationToken);
            var before = forwarder.CpuTime();
            var watched = Stopwatch.StartNew();
            // The measurement window itself: the CPU used over it is what is tested.
            await Task.Delay(1500, TestContext.Current.CancellationToken);
            double share = (forwarder.CpuTime() - before) / watched.Elapsed;
            Assert.True(share < 0.25, $"the forwarder used {share:P0} of a CPU while out of descriptors:\n{forwarder.Stderr}");

            // Every client is forwarded or told at once: none is left hanging in the backlog.
            var refused = clients.Where(client => client.Poll(0, SelectMode.SelectRead)).ToList();
            Assert.True(refused.Count + refusedAtConnect > 0, forwarder.Stderr);
            foreach (var client in refused)
            {
                Assert.Equal(SocketError.ConnectionReset, await ForwardClient.EndingAsync(client));
            }

            foreach (var client in clients.Except(refused).Skip(1))
            {
                Assert.Equal("served", await ForwardClient.EchoAsync(client, "served"));
            }

            // A transfer that needs a pipe the kernel will not give loses its own connection, not the forwarder.
            await download.SendAsync("g"u8.ToArray(), TestContext.Current.CancellationToken);
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            Assert.False(forwarder.HasExited, forwarder.Stderr);
            Assert.Equal("still first", await ForwardClient.EchoAsync(clients[0], "still first"));
            Assert.InRange(forwarder.CountInStderr("out of descriptors"), 1, 6);
            Assert.Contains("no connection limit (--max-conns 0", forwarder.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    /// <summary>
    /// Connects the rest of <see cref="Clients"/> one after another, adding the connected ones to
    /// <paramref name="clients"/>; how many were reset before their connect completed.
    /// </summary>
    private static async Task<int> FloodAsync(List<Socket> clients, int port)
    {
        int refused = 0;
        for (int i = clients.Count + 1; i <= Clients; i++)
        {
            try
            {
                clients.Add(await ForwardClient.ConnectAsync(V4, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                refused++;
            }
        }

        return refused;
    }

    [GeneratedRegex(@"limits: at most (\d+) open connections")]
    private static partial Regex CapLine();
}
