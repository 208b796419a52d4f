using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Privport.Tests.Systemd;

/// <summary>
/// The kernel-grant path under a real systemd: Debian's caddy package (already in the container's root file
/// system) as its own user, with no capability at all, serving 80 and 443, granted by one policy rule naming
/// caddy.service, set up by the steps docs/kernel-grants.md gives (policy, daemon-reload, restart the broker the
/// first time, restart the unit); then the rule removed and caddy refused. The container has its own network
/// namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed partial class KernelGrantScenario(SystemdContainer container)
{
    internal const string Policy = """
        [[allow]]
        name = "caddy"
        units = ["caddy.service"]
        users = ["caddy"]
        ports = ["tcp/80", "tcp/443"]
        """;

    // HTTP/3 would bind udp/443, which the rule does not grant; the internal CA's root stays out of the system store;
    // the container has no /etc/hosts, so the admin endpoint is given by address.
    private const string Caddyfile = """
        {
        	admin 127.0.0.1:2019
        	skip_install_trust
        	servers {
        		protocols h1 h2
        	}
        }

        http://:80 {
        	root * /usr/share/caddy
        	file_server
        }

        https://localhost:443 {
        	tls internal
        	root * /usr/share/caddy
        	file_server
        }
        """;

    // Debian's caddy.service gives the unit CAP_NET_BIND_SERVICE; the kernel grant is to be its only way to port 80.
    private const string NoCapabilities = """
        [Service]
        CapabilityBoundingSet=
        AmbientCapabilities=
        """;

    private const string Serves = "curl -sS -m 5 http://127.0.0.1/ && curl -sS -m 5 'http://[::1]/' && curl -sS -m 5 --insecure --resolve localhost:443:127.0.0.1 https://localhost/";

    [Fact]
    public async Task Caddy_as_its_own_user_serves_80_and_443_through_a_kernel_grant_and_is_refused_without_it()
    {
        container.Require();
        var clock = Stopwatch.StartNew();
        await container.ResetAsync();
        // On a host systemd mounts bpffs at /sys/fs/bpf at boot; in systemd-nspawn /sys is a read-only tmpfs whose fs/
        // holds only cgroup and selinux, and the container's systemd mounts no bpffs. privport does not mount it: the
        // host's part is played here, from outside the container, once.
        var bpffs = await container.ShAsync("""
            if [ "$(findmnt -n -o FSTYPE /sys/fs/bpf)" != bpf ]; then
              mount -o remount,bind,rw /sys && mkdir -p /sys/fs/bpf && mount -o remount,bind,ro /sys && mount -t bpf -o mode=700 bpf /sys/fs/bpf
            fi
            findmnt -n -o FSTYPE /sys/fs/bpf
            """);
        Assert.True(bpffs.Stdout.Trim() == "bpf", "bpffs could not be mounted at /sys/fs/bpf in the container:\n" + bpffs);
        await container.WriteFileAsync("/etc/caddy/Caddyfile", Caddyfile);
        await container.WriteFileAsync("/etc/systemd/system/caddy.service.d/no-capabilities.conf", NoCapabilities);
        var enable = await container.ShAsync("systemctl daemon-reload && systemctl enable -q --now privport.socket");
        Assert.True(enable.ExitCode == 0, enable.ToString());

        // Without a grant caddy cannot have the port: what follows is the grant's doing.
        string unGranted = await container.JournalCursorAsync();
        var before = await container.ShAsync("systemctl restart caddy.service");
        Assert.True(before.ExitCode != 0, "caddy started with no grant and no capability:\n" + before);
        Assert.Contains("bind: permission denied", await container.JournalUntilAsync(unGranted, "-u caddy.service -o cat", "permission denied"), StringComparison.Ordinal);

        // The admin's steps, with the broker running as it was installed: the rule, policy check, daemon-reload (the
        // generator writes the drop-ins, the broker's own among them), restart privport (the first time the policy
        // names a unit: a reload cannot give the running broker its drop-in), restart caddy.
        var running = await container.ShAsync("privport status >/dev/null && systemctl is-active privport.service");
        Assert.True(running.ExitCode == 0, running.ToString());
        await container.WriteFileAsync("/etc/privport/policy.toml", Policy);
        string cursor = await container.JournalCursorAsync();
        var steps = await container.ShAsync("privport policy check && systemctl daemon-reload && systemctl restart privport.service && systemctl restart caddy.service");
        Assert.True(steps.ExitCode == 0, steps + (await container.ShAsync(
            "journalctl -u caddy -u privport --no-pager | tail -30; systemctl show -p BPFProgram -p DropInPaths caddy.service; privport status")).Stdout);

        var page = await container.UntilAsync(Serves, TimeSpan.FromSeconds(15));
        Assert.True(page.ExitCode == 0, page.ToString());
        Assert.Equal(3, Regex.Count(page.Stdout, "<title>Caddy works!</title>"));
        var listening = await container.ShAsync("ss -Htlnp 'sport = :80 or sport = :443'");
        Assert.Contains(":80 ", listening.Stdout, StringComparison.Ordinal);
        Assert.Contains(":443 ", listening.Stdout, StringComparison.Ordinal);

        var process = await container.ShAsync("""
            pid=$(systemctl show -p MainPID --value caddy.service)
            ps -o user= -p "$pid"; grep -E '^(CapEff|CapPrm|CapBnd|CapAmb):' /proc/$pid/status
            """);
        Assert.Equal("caddy", process.Stdout.Split('\n')[0].Trim());
        foreach (string set in new[] { "CapEff", "CapPrm", "CapBnd", "CapAmb" })
        {
            Assert.Contains(set + ":\t0000000000000000", process.Stdout, StringComparison.Ordinal);
        }

        string audit = await container.JournalUntilAsync(cursor, "-u privport.service -o cat", "\"port\":443");
        Assert.Matches(KernelAuditLine(80), audit);
        Assert.Matches(KernelAuditLine(443), audit);
        var status = await container.ShAsync("privport status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Matches(@"unit caddy\.service: \d+ entries, rules caddy; attached to [^\n]*caddy\.service", status.Stdout);
        Assert.DoesNotContain("NOT in force", status.Stdout, StringComparison.Ordinal);

        // The rule removed: the broker withdraws the grant at reload, daemon-reload drops the drop-in, caddy is refused.
        var removed = await container.ShAsync("""
            cp /root/policy.toml.installed /etc/privport/policy.toml
            systemctl reload privport.service && systemctl daemon-reload
            systemctl restart caddy.service
            """);
        Assert.True(removed.ExitCode != 0, "caddy started again with the rule removed:\n" + removed);
        string refused = await container.JournalUntilAsync(cursor, "-u caddy.service -o cat", "permission denied");
        Assert.Contains("bind: permission denied", refused, StringComparison.Ordinal);
        Assert.NotEqual(0, (await container.ShAsync("curl -sS -m 5 http://127.0.0.1/")).ExitCode);

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kernel grant scenario: {clock.Elapsed.TotalSeconds:F1} s"));
    }

    private static Regex KernelAuditLine(int port) =>
        new($"\\{{[^\\n]*\"path\":\"kernel\"[^\\n]*\"unit\":\"caddy\\.service\"[^\\n]*\"port\":{port}[,}}]");
}
