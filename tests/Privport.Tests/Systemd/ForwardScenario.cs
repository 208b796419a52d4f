namespace Privport.Tests.Systemd;

/// <summary>privport-forward@NAME.service with its file in forward.d, under a real systemd: it starts under its
/// unit's own capability set, serves, and a fatal error reaches the journal as one. The container has its own
/// network namespace; no host port is used.</summary>
[Collection(nameof(SystemdCollection))]
public sealed class ForwardScenario(SystemdContainer container)
{
    [Fact]
    public async Task Forward_unit_from_forward_d_serves_port_80_as_its_user()
    {
        container.Require();
        await container.ResetAsync();
        var backend = await container.ShAsync("""
            mkdir -p /srv/privport-test && echo 'behind the forwarder' >/srv/privport-test/index.html
            systemd-run -q --unit=privport-test-backend -p User=nobody -p WorkingDirectory=/srv/privport-test \
              /usr/bin/python3 -m http.server --bind 127.0.0.1 8080
            """);
        Assert.True(backend.ExitCode == 0, backend.ToString());
        await container.WriteFileAsync("/etc/privport/forward.d/web.toml", """
            user = "www-data"

            [[forward]]
            listen = "tcp/80"
            target = "127.0.0.1:8080"
            """);
        var start = await container.ShAsync("systemctl enable -q --now privport-forward@web");
        Assert.True(start.ExitCode == 0, start.ToString());

        var page = await container.UntilAsync("curl -sS -m 5 http://127.0.0.1/", TimeSpan.FromSeconds(15));
        Assert.True(page.ExitCode == 0, page + (await container.ShAsync("systemctl status privport-forward@web --no-pager; journalctl -u privport-forward@web --no-pager | tail -20")).Stdout);
        Assert.Contains("behind the forwarder", page.Stdout, StringComparison.Ordinal);
        var unit = await container.ShAsync("""
            systemctl show -p NRestarts --value privport-forward@web
            systemctl show -p StatusText --value privport-forward@web
            pid=$(systemctl show -p MainPID --value privport-forward@web); grep -E '^(Uid|CapEff|CapBnd):' /proc/$pid/status
            """);
        Assert.StartsWith("0\n", unit.Stdout, StringComparison.Ordinal);
        // Type=notify: systemctl start returned once READY=1 came, from the process already running as www-data.
        Assert.Contains("\nforwarding tcp/0.0.0.0:80 -> 127.0.0.1:8080\n", unit.Stdout, StringComparison.Ordinal);
        Assert.Contains("Uid:\t33\t33\t33\t33", unit.Stdout, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000000000", unit.Stdout, StringComparison.Ordinal);
        var disable = await container.ShAsync("systemctl disable -q --now privport-forward@web");
        Assert.True(disable.ExitCode == 0, disable.ToString());
    }

    [Fact]
    public async Task A_forwarder_that_cannot_start_logs_its_error_at_error_priority()
    {
        container.Require();
        await container.ResetAsync();
        // No user: the forwarder refuses to start (exit 78, not restarted), saying why.
        await container.WriteFileAsync("/etc/privport/forward.d/broken.toml", """
            [[forward]]
            listen = "tcp/80"
            target = "127.0.0.1:8080"
            """);
        string cursor = await container.JournalCursorAsync();
        await container.ShAsync("systemctl start privport-forward@broken");
        var failed = await container.UntilAsync("systemctl is-failed privport-forward@broken", TimeSpan.FromSeconds(10));
        Assert.True(failed.ExitCode == 0, failed.ToString());
        string errors = await container.JournalUntilAsync(cursor, "-u privport-forward@broken", "user", priority: 3);
        Assert.Contains("user", errors, StringComparison.Ordinal);
        var restarts = await container.ShAsync("systemctl show -p NRestarts --value privport-forward@broken");
        Assert.Equal("0", restarts.Stdout.Trim());
    }
}
