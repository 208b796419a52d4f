using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// How <c>privport forward</c> runs its event loops: connections spread evenly over them, and the loops' scheduling
/// policy. Observed from outside through /proc. Ports 732-734 on loopback belong to this class.
/// </summary>
public sealed class ForwardLoopTests(StagedPrivport privport)
{
    private const string LoopThreadName = "privport-forwar";
    private const int SchedOther = 0;
    private const int SchedBatch = 3;

    [Fact]
    public async Task Connections_made_one_after_another_are_spread_evenly_over_the_loops()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(IPAddress.Loopback);
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, "--threads", "2", "tcp/127.0.0.1:732", echo.Target);

        // One at a time, each answered before the next: whichever loop the kernel wakes for the accept (the same one,
        // every time, while it is idle), the connection must go to the loop with fewer.
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                var client = await ForwardClient.ConnectAsync(IPAddress.Loopback, 732);
                clients.Add(client);
                Assert.Equal($"ping {i}", await ForwardClient.EchoAsync(client, $"ping {i}"));
            }

            var perLoop = ClientSocketsPerEpoll(forwarder.Pid, 732);

            Assert.Equal(2, perLoop.Count);
            Assert.Equal([10, 10], perLoop.Order());
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    [Theory]
    [InlineData(733, null, SchedBatch)]
    [InlineData(734, "normal", SchedOther)]
    public async Task Loops_run_under_the_scheduling_policy_asked_for(int port, string? scheduling, int policy)
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(IPAddress.Loopback);
        string[] arguments = scheduling is null
            ? ["--threads", "2", $"tcp/127.0.0.1:{port}", echo.Target]
            : ["--threads", "2", "--scheduling", scheduling, $"tcp/127.0.0.1:{port}", echo.Target];
        await using var forwarder = await RunningForwarder.StartAsync(privport, 1, arguments);
        using var client = await ForwardClient.ConnectAsync(IPAddress.Loopback, port);
        Assert.Equal("up", await ForwardClient.EchoAsync(client, "up"));

        var loops = Directory.GetDirectories($"/proc/{forwarder.Pid}/task")
            .Where(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == LoopThreadName)
            .ToList();

        Assert.Equal(2, loops.Count);
        Assert.All(loops, task => Assert.Equal(policy, SchedulingPolicy(task)));

        // Only the loops: the main thread keeps the policy it started with.
        Assert.Equal(SchedOther, SchedulingPolicy($"/proc/{forwarder.Pid}/task/{forwarder.Pid}"));
        Assert.DoesNotContain("SCHED_BATCH", forwarder.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Field 41 of /proc/PID/task/TID/stat, counted after the parenthesised command name.</summary>
    private static int SchedulingPolicy(string task)
    {
        string stat = File.ReadAllText(Path.Combine(task, "stat"));
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// For each epoll instance of <paramref name="pid"/> that watches any, how many accepted client sockets of
    /// <paramref name="port"/> it watches: each event loop has one epoll set, and fdinfo lists its descriptors.
    /// </summary>
    private static List<int> ClientSocketsPerEpoll(int pid, int port)
    {
        string local = string.Create(CultureInfo.InvariantCulture, $"0100007F:{port:X4}");
        var accepted = File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns[1] == local && columns[3] == "01")
            .Select(columns => columns[9])
            .ToHashSet();
        var socketOf = new Dictionary<string, string>();
        var epolls = new List<string>();
        foreach (string fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            string? target = new FileInfo(fd).LinkTarget;
            if (target is null)
            {
                continue;
            }

            if (target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                socketOf[Path.GetFileName(fd)] = target["socket:[".Length..^1];
            }
            else if (target == "anon_inode:[eventpoll]")
            {
                epolls.Add(Path.GetFileName(fd));
            }
        }

        return epolls
            .Select(epoll => File.ReadLines($"/proc/{pid}/fdinfo/{epoll}")
                .Where(line => line.StartsWith("tfd:", StringComparison.Ordinal))
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])
                .Count(watched => socketOf.TryGetValue(watched, out string? inode) && accepted.Contains(inode)))
            .Where(count => count > 0)
            .ToList();
    }
}
