using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>
/// The package's postrm at purge, run against a staged root (dpkg's DPKG_ROOT) as dpkg leaves it once the conffiles
/// are gone: what the package made or enabled goes; files the admin wrote under /etc/privport stay, named on stderr.
/// </summary>
public sealed class PostrmPurgeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("privport-postrm-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string path) => Path.Join(_root, path);

    private void Write(string path, string text = "")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(path))!);
        File.WriteAllText(At(path), text);
    }

    private void Link(string path, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(path))!);
        File.CreateSymbolicLink(At(path), target);
    }

    private void StageWhatDpkgLeaves()
    {
        // The package's directories, emptied of its conffiles; what the admin enabled and linked; the socket directory.
        Directory.CreateDirectory(At("/etc/privport/policy.d"));
        Directory.CreateDirectory(At("/etc/privport/forward.d"));
        Link("/etc/systemd/system/sockets.target.wants/privport.socket", "/lib/systemd/system/privport.socket");
        Link("/etc/systemd/system/multi-user.target.wants/privport-forward@web.service", "/lib/systemd/system/privport-forward@.service");
        Link("/etc/systemd/system/privport.service.d/exe-and-group-rules.conf", "/usr/share/privport/exe-and-group-rules.conf");
        Write("/run/privport/broker.sock");
    }

    private async Task<ProcessResult> PurgeAsync()
    {
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { Path.Combine(RepositoryFiles.Packaging, "debian", "postrm"), "purge" } };
        info.Environment["DPKG_ROOT"] = _root;
        return await Run.CompleteAsync(info);
    }

    [Fact]
    public async Task Purge_removes_what_the_package_made_and_enabled_and_keeps_the_admins_own_files_naming_them()
    {
        StageWhatDpkgLeaves();
        Write("/etc/privport/policy.d/20-web.toml", "[[allow]]\n");
        Write("/etc/privport/forward.d/web.toml", "user = \"www-data\"\n");

        var result = await PurgeAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(At("/etc/privport/policy.d/20-web.toml")), "purge removed the admin's policy drop-in");
        Assert.True(File.Exists(At("/etc/privport/forward.d/web.toml")), "purge removed the admin's forwarder config");
        Assert.Contains("kept /etc/privport: it holds files the package did not install, written there by you:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("\n  /etc/privport/forward.d/web.toml\n  /etc/privport/policy.d/20-web.toml\n", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("rm -r /etc/privport", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(_root, result.Stderr, StringComparison.Ordinal);
        AssertPackageTracesGone();
    }

    [Fact]
    public async Task Purge_without_files_of_the_admin_leaves_no_etc_privport_and_says_nothing()
    {
        StageWhatDpkgLeaves();

        var result = await PurgeAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(Directory.Exists(At("/etc/privport")), "/etc/privport is left after purge");
        Assert.Equal("", result.Stderr);
        AssertPackageTracesGone();
    }

    private void AssertPackageTracesGone()
    {
        foreach (string path in (string[])["/etc/systemd/system/sockets.target.wants/privport.socket",
            "/etc/systemd/system/multi-user.target.wants/privport-forward@web.service",
            "/etc/systemd/system/privport.service.d", "/run/privport"])
        {
            // A dangling symbolic link does not "exist" to Path.Exists, but is a trace all the same.
            Assert.False(Path.Exists(At(path)) || new FileInfo(At(path)).LinkTarget is not null, $"{path} is left after purge");
        }
    }

    [Fact]
    public void The_operations_guide_says_what_purge_keeps()
    {
        string operations = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "operations.md"));

        Assert.Contains("`dpkg --purge` disables the units", operations, StringComparison.Ordinal);
        Assert.Contains("files you put in `/etc/privport` yourself are yours and stay", operations, StringComparison.Ordinal);
        Assert.DoesNotContain("and removes `/etc/privport` and `/run/privport`", operations, StringComparison.Ordinal);
    }
}
