using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// The broker as privport.service runs it: not root (DynamicUser=), with CAP_NET_BIND_SERVICE only, or with
/// CAP_SYS_PTRACE too when the exe-and-group-rules drop-in is linked, and no new privileges. Ports 771-773 belong
/// to this class.
/// </summary>
public sealed class UnprivilegedBrokerTests(StagedPrivport privport)
{
    [Fact]
    public async Task With_the_drop_ins_capabilities_the_broker_binds_and_verifies_a_root_clients_executable()
    {
        Privilege.RequireRoot();
        string policy = $"""
            [[allow]]
            name = "exe771"
            users = ["0"]
            exe = ["{privport.Executable}"]
            ports = ["tcp/771"]
            """;
        const string Caps = "+net_bind_service,+sys_ptrace";
        await using var broker = BrokerProcess.Start(privport, policy, wrap:
        [
            Privilege.Setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups",
            "--inh-caps", $"-all,{Caps}", "--ambient-caps", $"-all,{Caps}", "--bounding-set", $"-all,{Caps}", "--no-new-privs",
        ]);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);

        var granted = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:771");
        var impostor = await Run.AsRootAsync(privport.Impostor, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:771");

        Assert.True(granted.ExitCode == 0, granted + "\nbroker: " + broker.Process.Stderr);
        Assert.True(impostor.ExitCode == 1, impostor.ToString());
        Assert.Contains("exe", impostor.Stdout + impostor.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_units_one_capability_uid_rules_grant_and_exe_rules_deny_with_a_warning_saying_what_to_add()
    {
        Privilege.RequireRoot();
        string policy = $"""
            [[allow]]
            name = "uid773"
            users = ["0"]
            ports = ["tcp/773"]

            [[allow]]
            name = "exe771"
            users = ["0"]
            exe = ["{privport.Executable}"]
            ports = ["tcp/771"]
            """;
        const string Caps = "+net_bind_service";
        await using var broker = BrokerProcess.Start(privport, policy, wrap:
        [
            Privilege.Setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups",
            "--inh-caps", $"-all,{Caps}", "--ambient-caps", $"-all,{Caps}", "--bounding-set", $"-all,{Caps}", "--no-new-privs",
        ]);
        await broker.WaitUntilListeningAsync();

        var uidRule = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:773");
        var exeRule = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "--mode", "open", "tcp/127.0.0.1:771");

        Assert.True(uidRule.ExitCode == 0, uidRule + "\nbroker: " + broker.Process.Stderr);
        Assert.True(exeRule.ExitCode == 1, exeRule.ToString());
        Assert.Contains("executable could not be read", exeRule.Stdout, StringComparison.Ordinal);
        await broker.Process.WaitUntilAsync(
            () => broker.Process.Stderr.Contains("lacks CAP_SYS_PTRACE", StringComparison.Ordinal)
                && broker.Process.Stderr.Contains("/usr/share/privport/exe-and-group-rules.conf", StringComparison.Ordinal),
            "the warning naming the drop-in");
    }

    [Fact]
    public async Task The_broker_needs_no_writable_executable_memory()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(Packaging.RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the PR_SET_MDWE launcher");
        string directory = Directory.CreateTempSubdirectory("privport-mdwe-").FullName;
        try
        {
            // What MemoryDenyWriteExecute=yes enforces, set by the kernel's own switch (Linux 6.3+) before exec.
            string source = Path.Combine(directory, "mdwe.c");
            string launcher = Path.Combine(directory, "mdwe");
            await File.WriteAllTextAsync(source, """
                #include <stdio.h>
                #include <sys/prctl.h>
                #include <unistd.h>
                int main(int argc, char **argv) {
                    (void)argc;
                    if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0) != 0) { perror("prctl"); return 77; }
                    execv(argv[1], argv + 1);
                    perror("execv");
                    return 126;
                }
                """, TestContext.Current.CancellationToken);
            var compile = await Run.AsRootAsync("cc", "-o", launcher, source);
            Assert.True(compile.ExitCode == 0, compile.ToString());
            var probe = await Run.AsRootAsync(launcher, "/bin/true");
            Assert.SkipWhen(probe.ExitCode == 77, "this kernel has no PR_SET_MDWE (Linux 6.3+)");

            const string Policy = """
                [[allow]]
                users = ["0"]
                ports = ["tcp/772"]
                """;
            int metricsPort = Broker.BrokerMetricsTests.FreeLoopbackPort();
            await using var broker = BrokerProcess.Start(privport, Policy, ["--metrics", $"127.0.0.1:{metricsPort}"], wrap: [launcher]);
            await broker.WaitUntilListeningAsync();
            using var socket = await new PrivportClient(broker.SocketPath).BindAsync(Endpoint.Parse("tcp/127.0.0.1:772"), cancellationToken: TestContext.Current.CancellationToken);
            using var http = new HttpClient();
            string scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"), TestContext.Current.CancellationToken);
            await broker.Process.SignalAsync("HUP");

            Assert.Contains("privport_grants_total", scrape, StringComparison.Ordinal);
            await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("policy reloaded", StringComparison.Ordinal), "the reload");
            Assert.False(broker.Process.HasExited, broker.Process.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
