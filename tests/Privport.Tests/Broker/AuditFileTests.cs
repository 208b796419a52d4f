using System.Text.Json;
using Privport.Client;
using Privport.Protocol;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// The <c>--audit</c> file of the real binary: private (0600), appended (copytruncate leaves no hole), reopened on
/// SIGHUP after a rename, and bounded when one uid floods the broker with denials while the count is kept. Ports
/// 921-926 on loopback belong to this class.
/// </summary>
public sealed class AuditFileTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root921"
        users = ["0"]
        ports = ["tcp/921"]
        """;

    // The system's interpreter: one under /root (pyenv) cannot be run by an unprivileged uid.
    private const string Python = "/usr/bin/python3";

    // Sends the same request N times on one connection and reads each reply, as fast as the broker answers.
    private const string Flood = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sys.argv[1])
        request = bytes.fromhex(sys.argv[2])
        count = int(sys.argv[3])
        for _ in range(count):
            s.send(request)
            if len(s.recv(4096)) == 0:
                sys.exit("broker closed the connection")
        print(count)
        """;

    [Fact]
    public async Task Audit_file_is_created_0600_under_umask_022()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        Assert.False(await Query(broker, 922));

        await WaitForLinesAsync(broker, 1);

        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(broker.AuditPath));
    }

    [Fact]
    public async Task After_copytruncate_the_next_lines_start_at_offset_0_with_no_sparse_hole()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        for (int i = 0; i < 3; i++)
        {
            await Query(broker, 922);
        }

        await WaitForLinesAsync(broker, 3);
        // What logrotate's copytruncate does: copy the file away, then truncate it in place while the broker holds it.
        File.Copy(broker.AuditPath, broker.AuditPath + ".1");
        using (var truncate = new FileStream(broker.AuditPath, FileMode.Open, FileAccess.Write))
        {
            truncate.SetLength(0);
        }

        await Query(broker, 923);
        await WaitForLinesAsync(broker, 1);

        byte[] content = await File.ReadAllBytesAsync(broker.AuditPath, TestContext.Current.CancellationToken);
        Assert.DoesNotContain((byte)0, content);
        Assert.Equal((byte)'{', content[0]);
        string line = Assert.Single(broker.AuditLines());
        Assert.Equal(content.Length, line.Length + 1);
        Assert.Contains("\"port\":923", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_rename_SIGHUP_sends_new_lines_to_a_new_file()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        await Query(broker, 922);
        await WaitForLinesAsync(broker, 1);
        string rotated = broker.AuditPath + ".1";
        File.Move(broker.AuditPath, rotated);

        await broker.SignalAsync("HUP");
        await Eventually.WaitUntilAsync(() => broker.Stderr.Contains("policy reloaded", StringComparison.Ordinal), "the reload", 10, () => broker.Stderr);
        await Query(broker, 924);
        await Eventually.WaitUntilAsync(() => File.Exists(broker.AuditPath) && broker.AuditLines().Length == 1, "a line in a new audit file", 10, () => broker.Stderr);

        Assert.Contains("\"port\":924", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
        Assert.Contains("\"port\":922", Assert.Single(File.ReadAllLines(rotated)), StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(broker.AuditPath));
    }

    [Fact]
    public async Task A_denial_flood_from_one_uid_gives_a_bounded_file_whose_summaries_count_every_request()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} to run the flooding client");
        const int Requests = 20_000;
        const long MaxBytes = 128 * 1024;
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        string request = Convert.ToHexString(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:925"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var flood = await Run.AsUidAsync(65534, Python, "-c", Flood, broker.SocketPath, request, Requests.ToString(System.Globalization.CultureInfo.InvariantCulture));
        watch.Stop();
        Assert.True(flood.ExitCode == 0, flood.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the flood took {watch.Elapsed}");

        // Stopping writes the summary of the interval still open.
        Assert.Equal(0, await broker.StopAsync());
        long size = new FileInfo(broker.AuditPath).Length;
        var lines = broker.AuditLines().Select(line => JsonDocument.Parse(line).RootElement).Where(line => line.GetProperty("uid").GetUInt32() == 65534).ToList();
        long written = lines.Count(line => line.GetProperty("decision").GetString() == "deny");
        long suppressed = lines.Where(line => line.GetProperty("decision").GetString() == "suppressed").Sum(line => line.GetProperty("suppressed").GetInt64());
        int stderrLines = broker.Stderr.Split('\n').Count(line => line.Contains("\"uid\":65534", StringComparison.Ordinal));

        Assert.True(size <= MaxBytes, $"the audit file grew to {size} bytes for {Requests} denials");
        Assert.Equal(Requests, written + suppressed);
        Assert.True(suppressed > 0);
        Assert.True(stderrLines <= 500, $"{stderrLines} stderr (journal) lines for uid 65534's {Requests} denials");
    }

    [Fact]
    public async Task With_audit_rate_0_every_decision_of_a_flood_is_a_line_of_its_own()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} to run the flooding client");
        const int Requests = 500;
        await using var broker = await RunningBroker.StartAsync(privport, Policy, 5, "--audit-rate", "0");
        string request = Convert.ToHexString(RawBrokerConnection.Encode(BrokerOp.Query, "tcp/127.0.0.1:926"));

        var flood = await Run.AsUidAsync(65534, Python, "-c", Flood, broker.SocketPath, request, Requests.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(flood.ExitCode == 0, flood.ToString());

        Assert.Equal(0, await broker.StopAsync());
        var decisions = broker.AuditLines().Select(line => JsonDocument.Parse(line).RootElement.GetProperty("decision").GetString()).ToList();
        Assert.Equal(Requests, decisions.Count(decision => decision == "deny"));
        Assert.DoesNotContain("suppressed", decisions);
    }

    [Fact]
    public async Task A_negative_audit_rate_is_a_usage_error_that_says_what_to_give()
    {
        var result = await Run.AsRootAsync(privport.Executable, "serve", "--policy", "/nonexistent", "--audit-rate", "-1");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--audit-rate -1 is negative", result.Stderr, StringComparison.Ordinal);
    }

    private static async Task<bool> Query(RunningBroker broker, int port) =>
        (await new PrivportClient(broker.SocketPath).QueryAsync(Endpoint.Parse($"tcp/127.0.0.1:{port}"), cancellationToken: TestContext.Current.CancellationToken)).Allowed;

    private static Task WaitForLinesAsync(RunningBroker broker, int count) =>
        Eventually.WaitUntilAsync(() => broker.AuditLines().Length >= count, $"{count} audit lines", 10, () => $"broker stderr:\n{broker.Stderr}");
}
