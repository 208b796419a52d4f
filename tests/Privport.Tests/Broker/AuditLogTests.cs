using System.Net;
using System.Text;
using System.Text.Json;
using Privport.Broker;
using Privport.Client;
using Privport.Protocol;
using Privport.Policy;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>What the audit log writes and refuses: the per-uid bound with its summaries, and files it will not use.</summary>
public sealed class AuditLogTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("privport-auditlog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Past_its_share_a_uids_decisions_are_counted_and_summarised_when_the_interval_ends()
    {
        var throttle = new AuditThrottle(TimeSpan.FromSeconds(10), 3);
        var due = new List<AuditSummary>();

        var admitted = Enumerable.Range(0, 10).Select(i => throttle.Admit(1000, "deny", $"reason {i}", Start.AddMilliseconds(i), due)).ToList();
        Assert.Equal([true, true, true, false, false, false, false, false, false, false], admitted);
        Assert.True(throttle.Admit(1001, "deny", "another uid", Start, due));
        Assert.True(throttle.Admit(0, "deny", "root", Start, due));
        Assert.Empty(due);

        throttle.CollectEnded(Start.AddSeconds(9), due);
        Assert.Empty(due);
        throttle.CollectEnded(Start.AddSeconds(10), due);

        var summary = Assert.Single(due);
        Assert.Equal(1000U, summary.Uid);
        Assert.Equal(3, summary.Written);
        Assert.Equal(7, summary.Suppressed);
        Assert.Equal(7, summary.Denied);
        Assert.Equal("reason 9", summary.LastReason);
        Assert.True(throttle.Admit(1000, "deny", "a new interval", Start.AddSeconds(11), due));
    }

    [Fact]
    public void A_uid_asking_again_after_its_interval_gets_the_summary_of_the_last_one_first()
    {
        var throttle = new AuditThrottle(TimeSpan.FromSeconds(10), 1);
        var due = new List<AuditSummary>();
        throttle.Admit(1000, "deny", "a", Start, due);
        throttle.Admit(1000, "error", "b", Start, due);
        throttle.Admit(1000, "allow", "c", Start, due);

        Assert.True(throttle.Admit(1000, "deny", "d", Start.AddSeconds(30), due));

        var summary = Assert.Single(due);
        Assert.Equal((2L, 0L, 1L, 1L), (summary.Suppressed, summary.Denied, summary.Allowed, summary.Errors));
    }

    [Fact]
    public void Closing_the_log_writes_the_open_summaries_so_no_count_is_lost()
    {
        string path = Path.Combine(_directory, "audit.jsonl");
        using var console = new MemoryStream();
        var audit = new AuditLog(console, path, throttle: new AuditThrottle(TimeSpan.FromHours(1), 2));
        for (int i = 0; i < 5; i++)
        {
            audit.Write(Denial(61000));
        }

        audit.Dispose();

        var lines = File.ReadAllLines(path).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["deny", "deny", "suppressed"], lines.Select(line => line.GetProperty("decision").GetString()));
        Assert.Equal(3, lines[2].GetProperty("suppressed").GetInt64());
        Assert.Equal(File.ReadAllText(path), Encoding.UTF8.GetString(console.ToArray()));
    }

    [Fact]
    public void An_existing_world_readable_audit_file_is_made_private()
    {
        string path = Path.Combine(_directory, "audit.jsonl");
        File.WriteAllText(path, "");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);

        using var file = AuditFile.Open(path);

        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(path));
        Assert.Contains("mode 0666", file.Tightened, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_audit_file_owned_by_another_user_is_refused()
    {
        Privilege.RequireRoot();
        string path = Path.Combine(_directory, "audit.jsonl");
        File.WriteAllText(path, "");
        var chown = await Run.AsRootAsync("chown", "61000", path);
        Assert.True(chown.ExitCode == 0, chown.ToString());

        var e = Assert.Throws<AuditFileException>(() => AuditFile.Open(path));

        Assert.Contains("belongs to uid 61000", e.Message, StringComparison.Ordinal);
        Assert.Contains($"chown 0 {path}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_or_a_fifo_as_audit_file_is_refused_without_being_opened()
    {
        string link = Path.Combine(_directory, "link.jsonl");
        File.CreateSymbolicLink(link, "/etc/passwd");
        string fifo = Path.Combine(_directory, "fifo.jsonl");
        var made = await Run.AsRootAsync("mkfifo", fifo);
        Assert.True(made.ExitCode == 0, made.ToString());

        Assert.Contains("symbolic link", Assert.Throws<AuditFileException>(() => AuditFile.Open(link)).Message, StringComparison.Ordinal);
        Assert.Contains("a FIFO", Assert.Throws<AuditFileException>(() => AuditFile.Open(fifo)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reopen_that_fails_keeps_writing_to_the_old_file()
    {
        string path = Path.Combine(_directory, "audit.jsonl");
        using var audit = new AuditLog(Stream.Null, path);
        audit.Write(Denial(0));
        File.Move(path, path + ".1");
        Directory.CreateDirectory(path);

        Assert.False(audit.Reopen());
        audit.Write(Denial(0));

        Assert.Equal(2, File.ReadAllLines(path + ".1").Length);
    }

    private static AuditRecord Denial(uint uid) => new(
        Start, BrokerOp.Query, "deny", null, "no rule allows it", 13,
        new PeerIdentity(uid, uid, [], 4242, "/usr/bin/flood"),
        new Endpoint(PortProtocol.Tcp, IPAddress.Loopback, 926));
}
