using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.KernelGrants;

/// <summary>
/// <c>privport kernel generate</c>, the systemd generator's body: for each unit the policy grants binds in the
/// kernel, a drop-in that pulls privport.service in, orders the unit after it and attaches the pinned programs
/// (BPFProgram=, % doubled for systemd's specifiers); nothing for units the policy does not name; never a failure.
/// The packaged generator execs exactly this verb. No ports.
/// </summary>
public sealed class KernelGeneratorTests(StagedPrivport privport)
{
    [Fact]
    public async Task Generate_writes_one_drop_in_per_unit_the_policy_names()
    {
        string directory = Directory.CreateTempSubdirectory("privport-generator-").FullName;
        try
        {
            string policy = Path.Combine(directory, "policy.toml");
            await File.WriteAllTextAsync(policy, """
                [[allow]]
                name = "caddy"
                units = ["caddy.service", "web@blue.service"]
                users = ["65534"]
                ports = ["tcp/80", "tcp/443"]

                [[allow]]
                name = "high"
                units = ["high.service"]
                ports = ["tcp/8080"]

                [[allow]]
                name = "broker"
                users = ["65534"]
                ports = ["tcp/25"]
                """, TestContext.Current.CancellationToken);
            string output = Path.Combine(directory, "normal");
            var result = await Run.AsRootAsync(privport.Executable, "kernel", "generate", output, Path.Combine(directory, "early"), Path.Combine(directory, "late"), "--policy", policy);
            Assert.True(result.ExitCode == 0, result.ToString());

            string caddy = await File.ReadAllTextAsync(Path.Combine(output, "caddy.service.d", "50-privport-kernel-grant.conf"), TestContext.Current.CancellationToken);
            Assert.Contains("[Unit]\nWants=privport.service\nAfter=privport.service\n", caddy, StringComparison.Ordinal);
            Assert.Contains("[Service]\nBPFProgram=bind4:/sys/fs/bpf/privport/units/caddy%%2Eservice/bind4\nBPFProgram=bind6:/sys/fs/bpf/privport/units/caddy%%2Eservice/bind6\n", caddy, StringComparison.Ordinal);
            string web = await File.ReadAllTextAsync(Path.Combine(output, "web@blue.service.d", "50-privport-kernel-grant.conf"), TestContext.Current.CancellationToken);
            Assert.Contains("BPFProgram=bind4:/sys/fs/bpf/privport/units/web@blue%%2Eservice/bind4\n", web, StringComparison.Ordinal);

            // Ports from the unprivileged start up need no grant, and rules without units are the broker's.
            string[] units = [.. Directory.GetDirectories(output).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
            Assert.Equal(["caddy.service.d", "web@blue.service.d"], units);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Generate_never_fails_even_when_the_policy_does_not_load()
    {
        string directory = Directory.CreateTempSubdirectory("privport-generator-").FullName;
        try
        {
            string policy = Path.Combine(directory, "policy.toml");
            await File.WriteAllTextAsync(policy, "[[allow]]\nunits = 3\n", TestContext.Current.CancellationToken);
            var result = await Run.AsRootAsync(privport.Executable, "kernel", "generate", Path.Combine(directory, "normal"), "--policy", policy);
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("cannot be loaded", result.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(directory, "normal")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_packaged_generator_execs_privport_kernel_generate()
    {
        string script = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, "privport-kernel-grants.generator"));
        Assert.Contains("exec /usr/bin/privport kernel generate \"$@\"", script, StringComparison.Ordinal);
        Assert.True((File.GetUnixFileMode(Path.Combine(RepositoryFiles.UnitDirectory, "privport-kernel-grants.generator")) & UnixFileMode.UserExecute) != 0);
    }
}
