using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>
/// The units kernel grants rely on, as systemd reads them: a drop-in the generator writes for a unit verifies with
/// systemd-analyze without a specifier warning (pin paths escape dots as %2E, which systemd reads only as %%2E), and
/// privport.service with the kernel-grants drop-in verifies, allows bpf(2), and revokes after every stop. No ports.
/// </summary>
public sealed class KernelGrantUnitTests(StagedPrivport privport)
{
    [Fact]
    public async Task A_generated_unit_drop_in_verifies_and_names_the_pinned_programs()
    {
        Privilege.RequireRoot();
        string? analyze = RepositoryFiles.FindTool("systemd-analyze");
        Assert.SkipWhen(analyze is null, "needs systemd-analyze to verify the units");
        string directory = Directory.CreateTempSubdirectory("privport-units-").FullName;
        try
        {
            string policy = Path.Combine(directory, "policy.toml");
            await File.WriteAllTextAsync(policy, """
                [[allow]]
                name = "web"
                units = ["web-x.service"]
                users = ["65534"]
                ports = ["tcp/80"]
                """, TestContext.Current.CancellationToken);
            string units = Path.Combine(directory, "units");
            Directory.CreateDirectory(units);
            await File.WriteAllTextAsync(Path.Combine(units, "web-x.service"), "[Service]\nExecStart=/bin/true\n", TestContext.Current.CancellationToken);
            foreach (string unit in new[] { "privport.service", "privport.socket" })
            {
                await File.WriteAllTextAsync(Path.Combine(units, unit), (await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.UnitDirectory, unit), TestContext.Current.CancellationToken))
                    .Replace("/usr/bin/privport", privport.Executable, StringComparison.Ordinal), TestContext.Current.CancellationToken);
            }

            var generate = await Run.AsRootAsync(privport.Executable, "kernel", "generate", units, "--policy", policy);
            Assert.True(generate.ExitCode == 0, generate.ToString());
            Assert.True(File.Exists(Path.Combine(units, "web-x.service.d", "50-privport-kernel-grant.conf")), generate.ToString());

            var info = new System.Diagnostics.ProcessStartInfo(analyze!) { ArgumentList = { "verify", "--man=no", Path.Combine(units, "web-x.service") } };
            info.Environment["SYSTEMD_UNIT_PATH"] = units + ":";
            var verify = await Run.CompleteAsync(info);
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.DoesNotContain("specifier", verify.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("BPFProgram", verify.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_broker_with_the_kernel_grants_drop_in_verifies_allows_bpf_and_revokes_after_stop()
    {
        Privilege.RequireRoot();
        string? analyze = RepositoryFiles.FindTool("systemd-analyze");
        Assert.SkipWhen(analyze is null, "needs systemd-analyze to verify the units");
        var dropIn = File.ReadAllLines(Path.Combine(RepositoryFiles.UnitDirectory, "kernel-grants.conf"))
            .Where(line => line.Length > 0 && !line.StartsWith('#') && line != "[Service]").ToList();
        Assert.Contains("SystemCallFilter=bpf", dropIn);
        Assert.Contains("ExecStopPost=/usr/bin/privport kernel revoke", dropIn);
        Assert.Contains("ReadWritePaths=/sys/fs/bpf /sys/fs/cgroup", dropIn);
        Assert.DoesNotContain(dropIn, line => line.Contains("CAP_SYS_ADMIN", StringComparison.Ordinal));

        string directory = Directory.CreateTempSubdirectory("privport-units-").FullName;
        try
        {
            string service = Path.Combine(directory, "privport.service");
            Directory.CreateDirectory(service + ".d");
            foreach (var (file, target) in new[] { ("privport.service", service), ("privport.socket", Path.Combine(directory, "privport.socket")), ("kernel-grants.conf", Path.Combine(service + ".d", "50-privport-kernel-grants.conf")) })
            {
                // Verify checks that ExecStart= and ExecStopPost= name an executable: the staged binary stands in.
                await File.WriteAllTextAsync(target, (await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.UnitDirectory, file), TestContext.Current.CancellationToken))
                    .Replace("/usr/bin/privport", privport.Executable, StringComparison.Ordinal), TestContext.Current.CancellationToken);
            }
            var info = new System.Diagnostics.ProcessStartInfo(analyze!) { ArgumentList = { "verify", "--man=no", Path.Combine(directory, "privport.socket"), service } };
            info.Environment["SYSTEMD_UNIT_PATH"] = directory + ":";
            var verify = await Run.CompleteAsync(info);
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
