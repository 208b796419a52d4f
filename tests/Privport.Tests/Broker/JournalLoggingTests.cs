using System.Text.RegularExpressions;
using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>Logging under systemd: JOURNAL_STREAM set means syslog priority prefixes, no timestamps, audit lines as ever.
/// Port 770 belongs to this class.</summary>
public sealed partial class JournalLoggingTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root770"
        users = ["0"]
        ports = ["tcp/770"]
        """;

    [Fact]
    public async Task Under_journald_log_lines_carry_priorities_and_no_timestamps_and_audit_lines_are_unchanged()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, Policy, ["--audit", "/dev/null"],
            new Dictionary<string, string?> { ["JOURNAL_STREAM"] = "8:123456" });
        await broker.WaitUntilListeningAsync();
        Assert.True((await new PrivportClient(broker.SocketPath).QueryAsync(Endpoint.Parse("tcp/127.0.0.1:770"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("\"decision\":\"allow\"", StringComparison.Ordinal), "the audit line");
        await broker.Process.SignalAsync("TERM");
        await broker.Process.WaitForExitAsync();

        var lines = broker.Process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.StartsWith("<6>privport[1] privport broker listening on ", StringComparison.Ordinal));
        string audit = Assert.Single(lines, line => line.StartsWith('{'));
        Assert.Matches(AuditLine(), audit);
        foreach (string line in lines.Where(line => !line.StartsWith('{')))
        {
            Assert.Matches(PriorityPrefix(), line);
            Assert.DoesNotMatch(Timestamp(), line);
        }
    }

    [Fact]
    public async Task Without_journald_the_empty_policy_warning_is_a_plain_warning_line()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, "", environment: new Dictionary<string, string?> { ["JOURNAL_STREAM"] = null });
        await broker.WaitUntilListeningAsync();

        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("has no rules", StringComparison.Ordinal), "the empty-policy warning");
        Assert.Contains("warn: privport[11] the policy ", broker.Process.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^<[0-7]>privport\[[0-9]+\] ")]
    private static partial Regex PriorityPrefix();

    [GeneratedRegex(@"[0-9]{2}:[0-9]{2}:[0-9]{2}")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^\{""time"":""[0-9T:.\-]+Z"",""decision"":""allow"",""op"":""QUERY"",""rule"":""root770"",")]
    private static partial Regex AuditLine();
}
