using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>
/// packaging/build-deb.sh builds a .deb from the NativeAOT binary under test; it installs for real with dpkg,
/// works, enables nothing, and purges without a trace.
/// </summary>
public sealed class DebPackageTests(StagedPrivport privport)
{
    private static readonly string[] InstalledFiles =
    [
        "/usr/bin/privport",
        "/usr/lib/privport/libprivport.so",
        "/lib/systemd/system/privport.service",
        "/lib/systemd/system/privport.socket",
        "/lib/systemd/system/privport-forward@.service",
        "/etc/privport/policy.toml",
        "/etc/privport/forward.d/example.toml.disabled",
        "/usr/share/man/man8/privport.8.gz",
        "/usr/share/man/man5/privport-policy.5.gz",
        "/usr/share/bash-completion/completions/privport",
        "/usr/share/zsh/vendor-completions/_privport",
        "/usr/share/privport/exe-and-group-rules.conf",
        "/usr/share/privport/kernel-grants.conf",
        "/lib/systemd/system-generators/privport-kernel-grants",
    ];

    [Fact]
    public async Task Build_install_use_and_purge_the_deb()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(RepositoryFiles.FindTool("dpkg-deb") is null || RepositoryFiles.FindTool("dpkg") is null,
            "needs dpkg and dpkg-deb to build and install the package");
        Assert.SkipUnless(Environment.GetEnvironmentVariable(StagedPrivport.ExecutableVariable) is { Length: > 0 },
            "packages the NativeAOT binary: run through test.sh, which publishes it and sets PRIVPORT_TEST_EXECUTABLE");
        var installedBefore = await Run.AsRootAsync("dpkg-query", "-W", "-f=${Status}", "privport");
        Assert.SkipWhen(installedBefore.ExitCode == 0 && installedBefore.Stdout.Contains("installed", StringComparison.Ordinal) && !installedBefore.Stdout.Contains("not-installed", StringComparison.Ordinal),
            "a privport package is already installed on this machine; the test does not replace it");

        string output = Directory.CreateTempSubdirectory("privport-deb-").FullName;
        try
        {
            var build = await Run.AsRootAsync(Path.Combine(RepositoryFiles.Packaging, "build-deb.sh"),
                "--from", Path.GetDirectoryName(privport.Executable)!, "--output", output);
            Assert.True(build.ExitCode == 0, build.ToString());
            string deb = build.Stdout.Trim().Split('\n')[^1];
            Assert.True(File.Exists(deb), build.ToString());
            Assert.StartsWith(output, deb, StringComparison.Ordinal);

            var install = await Run.AsRootAsync("dpkg", "-i", deb);
            try
            {
                Assert.True(install.ExitCode == 0, install.ToString());
                Assert.Contains("systemctl enable --now privport.socket", install.Stdout + install.Stderr, StringComparison.Ordinal);
                await CheckInstalledAsync();
            }
            finally
            {
                var purge = await Run.AsRootAsync("dpkg", "--purge", "privport");
                Assert.True(purge.ExitCode == 0, purge.ToString());
            }

            foreach (string file in InstalledFiles)
            {
                Assert.False(File.Exists(file), $"{file} is left after dpkg --purge");
            }

            Assert.False(Directory.Exists("/etc/privport"), "/etc/privport is left after dpkg --purge");
            Assert.False(Directory.Exists("/usr/lib/privport"), "/usr/lib/privport is left after dpkg --purge");
            Assert.False(Directory.Exists("/usr/share/privport"), "/usr/share/privport is left after dpkg --purge");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private async Task CheckInstalledAsync()
    {
        foreach (string file in InstalledFiles)
        {
            Assert.True(File.Exists(file), $"{file} is not installed");
        }

        Assert.True(Directory.Exists("/etc/privport/policy.d"), "/etc/privport/policy.d is not installed");
        Assert.Empty(Directory.GetFileSystemEntries("/etc/privport/policy.d"));

        var version = await Run.AsRootAsync("/usr/bin/privport", "--version");
        var expected = await Run.AsRootAsync(privport.Executable, "--version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(expected.Stdout, version.Stdout);

        // As installed the policy loads and grants nothing, and says so.
        var check = await Run.AsRootAsync("/usr/bin/privport", "policy", "check", "--json");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("\"rules\":[]", check.Stdout.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("no [[allow]] rules", check.Stderr, StringComparison.Ordinal);

        var conffiles = await Run.AsRootAsync("dpkg-query", "-W", "-f=${Conffiles}", "privport");
        Assert.Contains("/etc/privport/policy.toml", conffiles.Stdout, StringComparison.Ordinal);

        // Nothing enabled: no unit is wanted by any target.
        foreach (string wants in Directory.GetDirectories("/etc/systemd/system", "*.wants"))
        {
            Assert.Empty(Directory.GetFiles(wants, "privport*"));
        }

        if (RepositoryFiles.FindTool("systemd-analyze") is { } analyze)
        {
            // With the man pages and the binary installed, verify checks Documentation= and ExecStart= for real.
            var verify = await Run.AsRootAsync(analyze, "verify", "/lib/systemd/system/privport.socket", "/lib/systemd/system/privport.service");
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }

        var man = await Run.AsRootAsync("man", "-l", "/usr/share/man/man8/privport.8.gz");
        Assert.True(man.ExitCode == 0, man.ToString());
        Assert.Contains("privport serve", RenderedText.Plain(man.Stdout), StringComparison.Ordinal);

        var completion = await Run.AsRootAsync("bash", "-c", "source /usr/share/bash-completion/completions/privport && complete -p privport");
        Assert.True(completion.ExitCode == 0, completion.ToString());
        Assert.Contains("_privport", completion.Stdout, StringComparison.Ordinal);

        // The preload shim is found where the package puts it.
        var wrap = await Run.AsRootAsync("/usr/bin/privport", "wrap", "--deep", "--", "/bin/sh", "-c", "printf %s \"$LD_PRELOAD\"");
        Assert.True(wrap.ExitCode == 0, wrap.ToString());
        Assert.Contains("/usr/lib/privport/libprivport.so", wrap.Stdout, StringComparison.Ordinal);
    }
}
