namespace Privport.Tests.Systemd;

/// <summary>systemctl reload privport with a good policy and with a broken one, under a real systemd. The
/// container has its own network namespace; no host port is used.</summary>
[Collection(nameof(SystemdCollection))]
public sealed class PolicyReloadScenario(SystemdContainer container)
{
    private const string Good = """
        [[allow]]
        name = "first"
        users = ["nobody"]
        ports = ["tcp/81"]
        """;

    [Fact]
    public async Task Reload_takes_a_good_policy_and_keeps_the_old_one_over_a_broken_one_naming_file_and_line()
    {
        container.Require();
        await container.ResetAsync();
        await container.WriteFileAsync("/etc/privport/policy.toml", Good);
        var start = await container.ShAsync("systemctl enable --now privport.socket && systemctl start privport.service");
        Assert.True(start.ExitCode == 0, start.ToString());
        var first = await container.ShAsync("setpriv --reuid nobody --regid nogroup --clear-groups privport probe tcp/127.0.0.1:82");
        Assert.True(first.ExitCode == 1, "port 82 is not granted yet:\n" + first);

        // A good policy: reload, and the new rule grants.
        await container.WriteFileAsync("/etc/privport/policy.d/second.toml",
            "[[allow]]\nname = \"second\"\nusers = [\"nobody\"]\nports = [\"tcp/82\"]\n");
        var reload = await container.ShAsync("systemctl reload privport");
        Assert.True(reload.ExitCode == 0, reload.ToString());
        var granted = await container.ShAsync("setpriv --reuid nobody --regid nogroup --clear-groups privport probe tcp/127.0.0.1:82");
        Assert.True(granted.ExitCode == 0, granted.ToString());
        Assert.Contains("second", granted.Stdout, StringComparison.Ordinal);

        // A broken one (one typo on line 3): the old policy stays, the journal says why with file and line, once.
        string cursor = await container.JournalCursorAsync();
        await container.WriteFileAsync("/etc/privport/policy.d/third.toml",
            "[[allow]]\nname = \"third\"\nusers = [nobody\"]\nports = [\"tcp/83\"]\n");
        var broken = await container.ShAsync("systemctl reload privport; systemctl is-active privport.service");
        Assert.Contains("active", broken.Stdout, StringComparison.Ordinal);
        var still = await container.ShAsync("setpriv --reuid nobody --regid nogroup --clear-groups privport probe tcp/127.0.0.1:82");
        Assert.True(still.ExitCode == 0, "the previous policy must stay in force:\n" + still);
        var status = await container.ShAsync("privport status");
        Assert.Contains("FAILED", status.Stdout, StringComparison.Ordinal);

        string journal = await container.JournalUntilAsync(cursor, "-u privport.service -o cat", "third.toml:");
        Assert.Contains("/etc/privport/policy.d/third.toml:3", journal, StringComparison.Ordinal);
        int causes = journal.Split("third.toml:").Length - 1;
        Assert.True(causes == 1, $"one typo, one cause reported; the journal names the file {causes} times:\n{journal}");
        string errors = await container.JournalUntilAsync(cursor, "-u privport.service", "third.toml:3", priority: 3);
        Assert.True(errors.Contains("third.toml:3", StringComparison.Ordinal),
            "the cause is logged at priority err or above:\n" + await container.JournalAfterAsync(cursor, "-u privport.service -o json"));
    }
}
