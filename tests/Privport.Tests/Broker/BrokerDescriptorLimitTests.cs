using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Privport.Interop;
using Privport.Protocol;
using Privport.Tests.Infrastructure;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Broker;

/// <summary>
/// The broker and its file-descriptor limit: it raises its soft limit to the hard one, and sizes its connection caps
/// to it, so users holding idle connections meet a cap (EAGAIN, with a reason) before the broker meets EMFILE and
/// answers root, or a granted user, with a bogus denial or EINVAL. Ports 820-829 on loopback belong to this class.
/// </summary>
[Collection(nameof(AttackMeasurement))]
public sealed partial class BrokerDescriptorLimitTests(StagedPrivport privport)
{
    private const uint GrantedUser = 61820;

    // Run by other uids: a python3 from root's own PATH (pyenv) may not be readable by them.
    private const string Python = "/usr/bin/python3";

    // uids that hold connections; each tries far more than a cap allows.
    private static readonly uint[] Holders = [61821, 61822, 61823, 61824, 61825, 61826, 61827, 61828, 61829];

    [Fact]
    public async Task The_broker_raises_its_soft_descriptor_limit_to_the_hard_limit()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, RootPolicy, wrap: ["prlimit", "--nofile=1024:4096", "--"]);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);

        var limits = OpenFilesLimit().Match(await File.ReadAllTextAsync($"/proc/{broker.Process.Pid}/limits", TestContext.Current.CancellationToken));

        Assert.True(limits.Success);
        Assert.Equal("4096", limits.Groups["soft"].Value);
        Assert.Equal("4096", limits.Groups["hard"].Value);
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("descriptor limit 4096", StringComparison.Ordinal), "the caps logged at start");
    }

    [Fact]
    public async Task At_a_low_descriptor_limit_users_holding_idle_connections_meet_the_caps_and_root_and_a_granted_bind_get_real_answers()
    {
        Privilege.RequireRoot();
        const string python = Python;
        Assert.SkipUnless(File.Exists(python), $"needs {python} for the clients");
        string directory = Directory.CreateTempSubdirectory("privport-fds-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var holders = new List<ServiceProcess>();
        try
        {
            string script = Path.Combine(directory, "broker_attack.py");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Broker", "broker_attack.py"), script);
            string exe = new FileInfo(python).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? python;
            string policy = RootPolicy + $"""

                [[allow]]
                name = "granted"
                users = ["{GrantedUser}"]
                exe = ["{exe}"]
                ports = ["tcp/821"]
                addresses = ["127.0.0.1"]
                """;

            // 512 descriptors: room for about 100 to 130 connections (less what the runtime holds), 16 of them kept for
            // root, a eighth of the rest per uid. Without caps derived from the limit, four uids would exhaust it.
            await using var broker = BrokerProcess.Start(privport, policy, ["--client-timeout", "120"], wrap: ["prlimit", "--nofile=512:512", "--"]);
            await broker.WaitUntilListeningAsync();
            Assert.False(broker.Process.HasExited, broker.Process.Stderr);

            // Four users at their caps (the attack that once exhausted the broker): everyone else is served.
            foreach (uint uid in Holders[..4])
            {
                holders.Add(await HoldAsync(uid, python, script, broker.SocketPath));
            }

            AssertRootIsAnswered(broker);
            var bind = await Run.AsUidAsync(GrantedUser, python, script, broker.SocketPath, "bind", "821");
            Assert.True(bind.Stdout.StartsWith("0 ", StringComparison.Ordinal), $"the granted BIND under four users at their caps: {bind}\n{Tail(broker.Process.Stderr)}");

            // Five more: together they reach the total cap. The granted user is told to retry; root still gets in.
            foreach (uint uid in Holders[4..])
            {
                holders.Add(await HoldAsync(uid, python, script, broker.SocketPath));
            }

            AssertRootIsAnswered(broker);
            var refused = await Run.AsUidAsync(GrantedUser, python, script, broker.SocketPath, "bind", "821");
            Assert.True(refused.Stdout.StartsWith($"{EAGAIN} ", StringComparison.Ordinal), $"the granted BIND at the total cap: {refused}");
            Assert.Contains("as many as it may; retry shortly", refused.Stdout, StringComparison.Ordinal);
            Assert.False(broker.Process.HasExited, broker.Process.Stderr);
        }
        finally
        {
            foreach (var holder in holders)
            {
                await holder.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Out_of_descriptors_the_broker_answers_EAGAIN_saying_so_never_EINVAL_or_a_denial()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, RootPolicy, wrap: ["prlimit", "--nofile=4096:4096", "--"]);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);
        AssertRootIsAnswered(broker);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        int lowestFree = LowestFreeDescriptor(broker.Process.Pid);

        // The soft limit lowered under the running broker to what it holds: a BIND's socket, or the peer's pidfd,
        // finds no descriptor. (An accepting thread may already hold the number of the connection it waits for.)
        foreach (var (op, limit) in new[] { (BrokerOp.Bind, lowestFree + 1), (BrokerOp.Query, lowestFree) })
        {
            await SetSoftLimitAsync(broker, limit);
            using var tcp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            var reply = Ask(broker, op, op == BrokerOp.Bind ? tcp.SafeHandle : null);

            Assert.True(reply.Status == EAGAIN && reply.Reason.Contains("out of file descriptors", StringComparison.Ordinal), $"{op} at soft limit {limit}: {reply.Status} {reply.Reason}");
        }

        await SetSoftLimitAsync(broker, 4096);
        AssertRootIsAnswered(broker);
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("cannot identify client", StringComparison.Ordinal), "the log line", seconds: 5);
    }

    private static int LowestFreeDescriptor(int pid)
    {
        var open = Directory.GetFiles($"/proc/{pid}/fd").Select(path => int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture)).ToHashSet();
        return Enumerable.Range(0, 4096).First(number => !open.Contains(number));
    }

    private static async Task SetSoftLimitAsync(BrokerProcess broker, int soft)
    {
        var result = await Run.AsRootAsync("prlimit", "--pid", broker.Process.Pid.ToString(CultureInfo.InvariantCulture), $"--nofile={soft}:4096");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    // A refusing broker may reply and close before the request is sent: the reply is read all the same.
    private static BrokerReply Ask(BrokerProcess broker, BrokerOp op, SafeHandle? socket)
    {
        using var client = new RawBrokerConnection(broker.SocketPath, TimeSpan.FromSeconds(3));
        try
        {
            client.Send(RawBrokerConnection.Encode(op, "tcp/127.0.0.1:822"), socket is null ? [] : [socket]);
        }
        catch (SystemCallException e) when (e.ErrorNumber == EPIPE)
        {
        }

        var answer = client.Receive();
        Assert.True(answer is not null, $"the broker closed the connection without a reply:\n{Tail(broker.Process.Stderr)}");
        return answer!.Value.Reply;
    }

    private const string RootPolicy = """
        [[allow]]
        name = "root"
        users = ["0"]
        ports = ["tcp/820-829"]
        """;

    private static async Task<ServiceProcess> HoldAsync(uint uid, string python, string script, string socketPath)
    {
        var holder = ServiceProcess.Start(SetprivProcess.StartInfo(Privilege.Setpriv, uid, uid, python, [script, socketPath, "hold", "128", "120"]));
        await holder.WaitUntilAsync(() => holder.Stdout.Contains("ready", StringComparison.Ordinal) || holder.HasExited, $"uid {uid}'s connections");
        Assert.False(holder.HasExited, holder.Stderr);

        // The broker takes, refuses and closes what exceeds the caps.
        await Task.Delay(300, TestContext.Current.CancellationToken);
        return holder;
    }

    private static void AssertRootIsAnswered(BrokerProcess broker)
    {
        try
        {
            using var root = new RawBrokerConnection(broker.SocketPath, TimeSpan.FromSeconds(3));
            var (reply, _) = root.Exchange(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:820"));
            Assert.True(reply.Status == 0, $"root's QUERY: {reply.Status} {reply.Reason}");
        }
        catch (Exception e) when (e is SystemCallException or System.Net.Sockets.SocketException)
        {
            Assert.Fail($"root's QUERY got no reply within 3 s ({e.Message}); the broker said:\n{Tail(broker.Process.Stderr)}");
        }
    }

    private static string Tail(string text) => text[^Math.Min(3000, text.Length)..];

    [GeneratedRegex(@"Max open files\s+(?<soft>\d+)\s+(?<hard>\d+)")]
    private static partial Regex OpenFilesLimit();
}
