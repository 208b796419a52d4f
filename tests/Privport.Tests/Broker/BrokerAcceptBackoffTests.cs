using System.Globalization;
using System.Net.Sockets;
using Privport.Protocol;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// accept(2) failing for a reason that outlasts the call (EMFILE with connections waiting in the backlog) must not
/// spin the acceptors: they pause, log once per interval, and accept again once descriptors are back.
/// Ports 451-452 on loopback belong to this class.
/// </summary>
[Collection(nameof(AttackMeasurement))]
public sealed class BrokerAcceptBackoffTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root"
        users = ["0"]
        ports = ["tcp/451-452"]
        """;

    private const int WaitingClients = 32;
    private const string SystemPython = "/usr/bin/python3";

    // Connects N clients to the broker's socket, says so, and holds them until it is stopped.
    private const string FloodScript = """
        import socket, sys, time
        clients = [socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(int(sys.argv[2]))]
        for client in clients:
            client.connect(sys.argv[1])
        print("connected", flush=True)
        time.sleep(120)
        """;

    // The CPU the broker may use in the window while every accept fails: the acceptors' pauses cost a few ms; a spin
    // costs a core per acceptor.
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxCpu = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Out_of_descriptors_the_broker_pauses_accepting_instead_of_spinning_and_serves_once_they_are_back()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, Policy, wrap: ["prlimit", "--nofile=4096:4096", "--"]);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);
        AssertAnswered(broker);

        // Below every free descriptor: each accept fails with EMFILE while the clients wait in the backlog.
        await SetSoftLimitAsync(broker, 3);
        // The system's python3, not a per-user one such as a pyenv shim under root's home that uid 65534 cannot run.
        Assert.SkipUnless(File.Exists(SystemPython), $"needs {SystemPython} to send the flood as uid 65534");

        // The flood comes from an unprivileged uid, as any local user could send it: accept fails before the broker
        // knows who connected, so nothing but the descriptor limit stands in the way.
        await using (var flood = ServiceProcess.Start(Privilege.Setpriv, [
            "--reuid", "65534", "--regid", "65534", "--clear-groups", SystemPython, "-c", FloodScript,
            broker.SocketPath, WaitingClients.ToString(CultureInfo.InvariantCulture)]))
        {
            await flood.WaitUntilAsync(() => flood.Stdout.Contains("connected", StringComparison.Ordinal) || flood.HasExited,
                "uid 65534 to queue its connections");
            Assert.False(flood.HasExited, $"the flooding client as uid 65534 stopped early:\n{flood.Stderr}");

            await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("accept failed", StringComparison.Ordinal), "the broker to log the failing accept");
            var before = CpuTime(broker.Process.Pid);
            // The measurement window itself: a sleep is what is being measured against.
            await Task.Delay(Window, TestContext.Current.CancellationToken);
            var used = CpuTime(broker.Process.Pid) - before;

            Assert.True(used < MaxCpu, $"the broker used {used.TotalMilliseconds} ms of CPU in {Window.TotalSeconds} s while accept failed with EMFILE (at most {MaxCpu.TotalMilliseconds} ms)");
            Assert.Equal(1, Occurrences(broker.Process.Stderr, "accept failed"));
        }

        await SetSoftLimitAsync(broker, 4096);
        await Eventually.WaitUntilAsync(() => TryAsk(broker), "root's QUERY to be answered again", context: () => broker.Process.Stderr);
    }

    private static void AssertAnswered(BrokerProcess broker) => Assert.True(TryAsk(broker), broker.Process.Stderr);

    private static bool TryAsk(BrokerProcess broker)
    {
        try
        {
            using var root = new RawBrokerConnection(broker.SocketPath, TimeSpan.FromSeconds(1));
            var (reply, _) = root.Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:451"));
            return reply.Status == 0;
        }
        catch (Exception e) when (e is Privport.Interop.SystemCallException or SocketException)
        {
            return false;
        }
    }

    private static async Task SetSoftLimitAsync(BrokerProcess broker, int soft)
    {
        var result = await Run.AsRootAsync("prlimit", "--pid", broker.Process.Pid.ToString(CultureInfo.InvariantCulture), $"--nofile={soft}:4096");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>utime + stime from /proc/PID/stat (fields 14 and 15, after the parenthesised command name).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        // USER_HZ is 100 on every Linux ABI .NET runs on.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static int Occurrences(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
