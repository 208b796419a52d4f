using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>packaging/install.sh, into a staging directory (--destdir) so the host is untouched.</summary>
public sealed class InstallScriptTests(StagedPrivport privport)
{
    [Fact]
    public async Task Install_lays_out_the_debs_tree_under_the_prefix_and_uninstall_removes_it()
    {
        string destdir = Directory.CreateTempSubdirectory("privport-install-").FullName;
        try
        {
            string script = Path.Combine(RepositoryFiles.Packaging, "install.sh");
            string from = Path.GetDirectoryName(privport.Executable)!;
            var install = await Run.AsRootAsync(script, "--prefix", "/usr/local", "--destdir", destdir, "--from", from);
            Assert.True(install.ExitCode == 0, install.ToString());
            Assert.Contains("systemctl enable --now privport.socket", install.Stderr, StringComparison.Ordinal);

            foreach (string file in new[]
            {
                "usr/local/bin/privport", "usr/local/lib/privport/libprivport.so", "usr/local/lib/systemd/system/privport.service",
                "usr/local/lib/systemd/system/privport.socket", "usr/local/lib/systemd/system/privport-forward@.service",
                "etc/privport/policy.toml", "usr/local/share/man/man8/privport.8.gz", "usr/local/share/man/man5/privport-policy.5.gz",
                "usr/local/share/bash-completion/completions/privport", "usr/local/share/zsh/vendor-completions/_privport",
            })
            {
                Assert.True(File.Exists(Path.Combine(destdir, file)), $"{file} not installed:\n{install}");
            }

            Assert.True(Directory.Exists(Path.Combine(destdir, "etc/privport/policy.d")));
            string service = await File.ReadAllTextAsync(Path.Combine(destdir, "usr/local/lib/systemd/system/privport.service"), TestContext.Current.CancellationToken);
            Assert.Contains("ExecStart=/usr/local/bin/privport serve --policy /etc/privport/policy.toml", service, StringComparison.Ordinal);

            // A second install keeps the admin's policy.
            await File.WriteAllTextAsync(Path.Combine(destdir, "etc/privport/policy.toml"), "# mine\n", TestContext.Current.CancellationToken);
            var again = await Run.AsRootAsync(script, "--prefix", "/usr/local", "--destdir", destdir, "--from", from);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal("# mine\n", await File.ReadAllTextAsync(Path.Combine(destdir, "etc/privport/policy.toml"), TestContext.Current.CancellationToken));

            var uninstall = await Run.AsRootAsync(script, "--prefix", "/usr/local", "--destdir", destdir, "--uninstall");
            Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
            Assert.Empty(Directory.GetFiles(Path.Combine(destdir, "usr"), "*", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(destdir, "etc/privport/policy.toml")), "uninstall without --purge removed the policy");

            var purge = await Run.AsRootAsync(script, "--prefix", "/usr/local", "--destdir", destdir, "--uninstall", "--purge");
            Assert.True(purge.ExitCode == 66, purge.ToString());
        }
        finally
        {
            Directory.Delete(destdir, recursive: true);
        }
    }

    [Fact]
    public async Task Uninstall_of_something_never_installed_says_so()
    {
        string destdir = Directory.CreateTempSubdirectory("privport-install-").FullName;
        try
        {
            var result = await Run.AsRootAsync(Path.Combine(RepositoryFiles.Packaging, "install.sh"), "--destdir", destdir, "--uninstall");

            Assert.True(result.ExitCode == 66, result.ToString());
            Assert.Contains("was not installed with --prefix /usr/local", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(destdir, recursive: true);
        }
    }
}
