using System.Diagnostics;
using System.Text.RegularExpressions;
using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>
/// An admin's upgrade from the previous build to this one with services running, then a purge, under a real
/// systemd. The previous build is the .deb of the commit before this branch (built once per commit and cached).
/// The container has its own network namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed partial class UpgradeScenario(SystemdContainer container)
{
    private const string PreviousInside = "/root/privport-previous.deb";

    private static readonly string[] PackageFiles =
    [
        "/usr/bin/privport", "/usr/lib/privport/libprivport.so", "/lib/systemd/system/privport.service",
        "/lib/systemd/system/privport.socket", "/lib/systemd/system/privport-forward@.service",
        "/usr/share/privport/exe-and-group-rules.conf", "/usr/share/man/man8/privport.8.gz",
    ];

    [Fact]
    public async Task Upgrade_keeps_services_serving_and_the_edited_policy_then_purge_keeps_only_the_admins_files()
    {
        container.Require();
        await container.ResetAsync();
        string previous = await PreviousPackageAsync();
        File.Copy(previous, container.HostPath(PreviousInside), overwrite: true);
        var downgrade = await container.ShAsync("dpkg --purge privport >/dev/null");
        Assert.True(downgrade.ExitCode == 0, downgrade.ToString());
        var old = await container.InstallAsync(PreviousInside);
        Assert.True(old.ExitCode == 0, old.ToString());

        // The admin's setup on the previous build: an edited policy, the exe drop-in, nginx through wrap, a forwarder.
        string policy = NginxWrapScenario.Policy + "\n# edited by the admin\n";
        await container.WriteFileAsync("/etc/privport/policy.toml", policy);
        await container.WriteFileAsync("/etc/privport/policy.d/admin.toml", "[[allow]]\nname = \"admin\"\nusers = [\"nobody\"]\nports = [\"tcp/82\"]\n");
        await NginxWrapScenario.SetUpDocumentedNginxAsync(container);
        await container.WriteFileAsync("/etc/privport/forward.d/web.toml",
            "user = \"www-data\"\n\n[[forward]]\nlisten = \"tcp/81\"\ntarget = \"127.0.0.1:8080\"\n");
        var setUp = await container.ShAsync("""
            mkdir -p /etc/systemd/system/privport.service.d /srv/privport-test && echo backend >/srv/privport-test/index.html
            ln -sf /usr/share/privport/exe-and-group-rules.conf /etc/systemd/system/privport.service.d/
            systemctl daemon-reload
            systemd-run -q --unit=privport-test-backend -p User=nobody -p WorkingDirectory=/srv/privport-test \
              /usr/bin/python3 -m http.server --bind 127.0.0.1 8080
            systemctl enable -q --now privport.socket && systemctl start nginx.service privport-forward@web.service
            """);
        Assert.True(setUp.ExitCode == 0, setUp.ToString());
        await AssertServingAsync("before the upgrade");
        string brokerBefore = (await container.ShAsync("systemctl show -p MainPID --value privport.service")).Stdout.Trim();

        var upgrade = await container.InstallAsync(SystemdContainer.PackageInside);
        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        var version = await container.ShAsync("dpkg-query -W -f='${Version}' privport; echo; privport --version");
        Assert.DoesNotContain("1.0.0\n", version.Stdout.Split('\n')[0] + "\n", StringComparison.Ordinal);

        await AssertServingAsync("after the upgrade");
        Assert.Equal(policy, await File.ReadAllTextAsync(container.HostPath("/etc/privport/policy.toml"), TestContext.Current.CancellationToken));
        Assert.True(File.Exists(container.HostPath("/etc/privport/policy.d/admin.toml")));
        // Nothing the package runs keeps running the replaced binary: its /proc/PID/exe would read "(deleted)",
        // and exe rules would no longer match it.
        var stale = await container.ShAsync("""
            for unit in privport.service $(systemctl list-units --plain --no-legend 'privport-forward@*' | awk '{print $1}'); do
              pid=$(systemctl show -p MainPID --value $unit); echo "$unit $pid $(readlink /proc/$pid/exe)"
            done
            """);
        Assert.DoesNotContain("(deleted)", stale.Stdout, StringComparison.Ordinal);
        Assert.Contains("privport-forward@web.service", stale.Stdout, StringComparison.Ordinal);
        string brokerAfter = (await container.ShAsync("systemctl show -p MainPID --value privport.service")).Stdout.Trim();
        Assert.NotEqual(brokerBefore, brokerAfter);

        // Purge: nothing of privport stays, or what stays is what docs/operations.md says stays.
        var purge = await container.ShAsync("systemctl stop nginx.service privport-test-backend.service; dpkg --purge privport");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        foreach (string file in PackageFiles)
        {
            Assert.False(File.Exists(container.HostPath(file)), $"{file} is left after dpkg --purge");
        }

        var units = await container.ShAsync("""
            systemctl list-units --all --plain --no-legend 'privport*' | grep -v ' not-found ' ; ls /etc/systemd/system/*.wants | grep privport; pgrep -a privport; ls -d /run/privport
            """);
        Assert.True(units.Stdout.Trim().Length == 0, "left after dpkg --purge:\n" + units.Stdout);
        // What the admin wrote stays (as Debian packages do), named with the command that removes it; the package's
        // own files, the edited conffile included, go; docs/operations.md says so.
        string etc = container.HostPath("/etc/privport");
        string[] left = Directory.Exists(etc)
            ? Directory.GetFiles(etc, "*", SearchOption.AllDirectories).Select(path => path[container.HostPath("").Length..]).Order(StringComparer.Ordinal).ToArray()
            : [];
        Assert.Equal(["/etc/privport/forward.d/web.toml", "/etc/privport/policy.d/admin.toml"], left);
        Assert.Contains("rm -r /etc/privport", purge.Stdout + purge.Stderr, StringComparison.Ordinal);
        Assert.Contains("/etc/privport/policy.d/admin.toml", purge.Stdout + purge.Stderr, StringComparison.Ordinal);
        string operations = await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.Root, "docs", "operations.md"), TestContext.Current.CancellationToken);
        string purgeParagraph = PurgeParagraph().Match(operations).Value;
        Assert.True(purgeParagraph.Contains("yourself", StringComparison.Ordinal) && purgeParagraph.Contains("stay", StringComparison.Ordinal),
            "docs/operations.md's purge paragraph does not say that the admin's own files stay:\n" + purgeParagraph);
        var clean = await container.ShAsync("rm -r /etc/privport");
        Assert.True(clean.ExitCode == 0, clean.ToString());

        var reinstall = await container.InstallAsync(SystemdContainer.PackageInside);
        Assert.True(reinstall.ExitCode == 0, reinstall.ToString());
    }

    private async Task AssertServingAsync(string when)
    {
        var pages = await container.UntilAsync("curl -sS -m 5 http://127.0.0.1/ && curl -sS -m 5 http://127.0.0.1:81/", TimeSpan.FromSeconds(15));
        Assert.True(pages.ExitCode == 0, $"{when}:\n{pages}\n" + (await container.ShAsync("journalctl -n 40 --no-pager -u privport -u nginx -u privport-forward@web")).Stdout);
        Assert.Contains("Welcome to nginx", pages.Stdout, StringComparison.Ordinal);
        Assert.Contains("backend", pages.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The .deb of the commit this branch started from (the parent, when that is this commit).</summary>
    private static async Task<string> PreviousPackageAsync()
    {
        string repo = RepositoryFiles.Root;
        var baseCommit = await ContainerCommand.RunAsync(TimeSpan.FromSeconds(30), "git", ["-C", repo, "merge-base", "HEAD", "main"]);
        var head = await ContainerCommand.RunAsync(TimeSpan.FromSeconds(30), "git", ["-C", repo, "rev-parse", "HEAD"]);
        Assert.SkipWhen(head.ExitCode != 0, "the upgrade builds the previous commit's .deb from git history, and this tree has none");
        string commit = baseCommit.ExitCode == 0 && baseCommit.Stdout.Trim() != head.Stdout.Trim() ? baseCommit.Stdout.Trim() : "HEAD^";
        var present = await ContainerCommand.RunAsync(TimeSpan.FromSeconds(30), "git", ["-C", repo, "cat-file", "-e", commit + "^{commit}"]);
        Assert.SkipWhen(present.ExitCode != 0, $"the upgrade starts from the previous build ({commit}), which this clone does not have (a shallow clone: fetch with --depth 2 or more)");
        var build = await ContainerCommand.RunAsync(TimeSpan.FromMinutes(15), Path.Combine(ScenarioFiles.Directory, "build-previous-deb.sh"),
            [commit, SystemdContainer.CacheRoot + "/previous"]);
        Assert.True(build.ExitCode == 0, "building the previous .deb failed:\n" + build);
        return build.Stdout.Trim().Split('\n')[^1];
    }

    [GeneratedRegex(@"[^\n]*dpkg --purge[^\n]*\n[^\n]*(\n[^\n]+)*")]
    private static partial Regex PurgeParagraph();
}
