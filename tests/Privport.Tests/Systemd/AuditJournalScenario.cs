using System.Text.Json;

namespace Privport.Tests.Systemd;

/// <summary>The broker's audit lines as journalctl -u privport -o json shows them, under a real systemd. The
/// container has its own network namespace; no host port is used.</summary>
[Collection(nameof(SystemdCollection))]
public sealed class AuditJournalScenario(SystemdContainer container)
{
    [Fact]
    public async Task Every_decision_is_a_json_audit_line_in_the_units_journal()
    {
        container.Require();
        await container.ResetAsync();
        await container.WriteFileAsync("/etc/privport/policy.toml",
            "[[allow]]\nname = \"nobody-81\"\nusers = [\"nobody\"]\nports = [\"tcp/81\"]\n");
        var enable = await container.ShAsync("systemctl enable -q --now privport.socket");
        Assert.True(enable.ExitCode == 0, enable.ToString());
        string cursor = await container.JournalCursorAsync();
        var probes = await container.ShAsync("""
            setpriv --reuid nobody --regid nogroup --clear-groups privport probe tcp/127.0.0.1:81; echo "granted $?"
            setpriv --reuid www-data --regid www-data --clear-groups privport probe tcp/127.0.0.1:81; echo "denied $?"
            """);
        Assert.Contains("granted 0", probes.Stdout, StringComparison.Ordinal);
        Assert.Contains("denied 1", probes.Stdout, StringComparison.Ordinal);

        string journal = await container.JournalAfterAsync(cursor, "-u privport.service -o json");
        var audit = new List<(JsonElement Entry, JsonElement Line)>();
        foreach (string entry in journal.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = JsonDocument.Parse(entry).RootElement;
            if (fields.TryGetProperty("MESSAGE", out var message) && message.ValueKind == JsonValueKind.String
                && message.GetString() is ['{', ..] text)
            {
                audit.Add((fields, JsonDocument.Parse(text).RootElement));
            }
        }

        var granted = Assert.Single(audit, line => line.Line.GetProperty("uid").GetInt32() == 65534);
        Assert.Equal("nobody-81", granted.Line.GetProperty("rule").GetString());
        var denied = Assert.Single(audit, line => line.Line.GetProperty("uid").GetInt32() == 33);
        Assert.NotEqual(granted.Line.GetProperty("decision").GetString(), denied.Line.GetProperty("decision").GetString());
        Assert.False(string.IsNullOrEmpty(denied.Line.GetProperty("reason").GetString()));
        foreach (var (entry, _) in audit)
        {
            Assert.Equal("privport.service", entry.GetProperty("_SYSTEMD_UNIT").GetString());
            Assert.Equal("privport", entry.GetProperty("SYSLOG_IDENTIFIER").GetString());
        }
    }
}
