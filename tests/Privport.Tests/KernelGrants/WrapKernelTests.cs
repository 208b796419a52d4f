using System.Globalization;
using System.Net.Sockets;
using Privport.Tests.Infrastructure;
using Privport.Tests.Kernel;

namespace Privport.Tests.KernelGrants;

/// <summary>
/// <c>privport wrap --kernel -- CMD</c>: the broker enrols the caller in a child cgroup of its own cgroup with the
/// policy's grants for its uid, and a static server (no LD_PRELOAD can reach it) serves as nobody on a privileged
/// port; uids without a rule are refused, exe rules are left out with their reason, the enrolment's cgroup is root's
/// and closed to the caller, and the enrolment ends when the program does. Ports 980-989 on loopback belong to this
/// class.
/// </summary>
public sealed class WrapKernelTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const uint Stranger = 61980;

    private const string Policy = """
        [[allow]]
        name = "nobody-web"
        users = ["65534"]
        ports = ["tcp/980"]

        [[allow]]
        name = "nobody-exe"
        users = ["65534"]
        exe = ["/usr/bin/true"]
        ports = ["tcp/981"]
        """;

    [Fact]
    public async Task A_static_server_as_nobody_serves_on_a_privileged_port_under_wrap_kernel()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy, serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "wrap");
        using var server = await KernelTestHost.StartShellAsync(host.Joined(cgroup, Nobody,
            [privport.Executable, "wrap", "--kernel", "--socket", broker.SocketPath, "--", host.StaticServer, "127.0.0.1", "980", "serve"]));
        string? first = await server.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken);
        if (first != "listening")
        {
            Assert.Fail($"{first}\n{await server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
        }

        // Enrolled inside the caller's own cgroup, in a directory root made and the caller cannot add processes to.
        string[] children = Directory.GetDirectories(host.Cgroup2 + cgroup);
        string child = Assert.Single(children);
        Assert.True(Privport.Interop.FileStatus.TryRead(child, followSymbolicLink: false, out var owner, out int errno), $"statx {child}: errno {errno}");
        Assert.Equal(0u, owner.Uid);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(child));
        var intrude = await Run.AsUidAsync(Nobody, "sh", "-c", $"echo $$ > '{child}/cgroup.procs'");
        Assert.NotEqual(0, intrude.ExitCode);

        // The stderr line naming the rule left out (exe) came once, before the program ran.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, 980, TestContext.Current.CancellationToken);
            using var reader = new StreamReader(client.GetStream());
            Assert.Equal("hello", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        }

        await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, server.ExitCode);
        string stderr = await server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("left out: rule nobody-exe", stderr, StringComparison.Ordinal);
        Assert.Contains("the kernel cannot check which program binds", stderr, StringComparison.Ordinal);

        // The enrolment ends with its last process: the cgroup goes, and with it the grant.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(child) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(Directory.Exists(child), $"{child} is still there after its program exited");
        Assert.Contains("\"op\":\"KERNEL_ENROL\"", string.Join('\n', broker.AuditLines()), StringComparison.Ordinal);
        Assert.Contains("\"path\":\"kernel\"", string.Join('\n', broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_enrolled_uid_and_its_ports_are_granted()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy, serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "wrap");
        var other = await Run.AsRootAsync("sh", "-c", host.Joined(cgroup, Nobody,
            [privport.Executable, "wrap", "--kernel", "--socket", broker.SocketPath, "--", host.StaticServer, "127.0.0.1", "982"]));
        Assert.Equal("bind: Permission denied", other.Stdout.Trim());

        // A rule's exe cannot be checked in the kernel, so its port stays closed there.
        var exe = await Run.AsRootAsync("sh", "-c", host.Joined(cgroup, Nobody,
            [privport.Executable, "wrap", "--kernel", "--socket", broker.SocketPath, "--", host.StaticServer, "127.0.0.1", "981"]));
        Assert.Equal("bind: Permission denied", exe.Stdout.Trim());
    }

    [Fact]
    public async Task A_uid_without_a_rule_is_refused_and_its_program_does_not_run()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy, serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "wrap");
        var refused = await Run.AsRootAsync("sh", "-c", host.Joined(cgroup, Stranger,
            [privport.Executable, "wrap", "--kernel", "--socket", broker.SocketPath, "--", host.StaticServer, "127.0.0.1", "980"]));
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Contains($"no rule grants uid {Stranger.ToString(CultureInfo.InvariantCulture)}", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(host.Cgroup2 + cgroup));
    }

    [Fact]
    public async Task A_caller_that_connected_then_exited_leaving_a_child_to_ask_is_not_enrolled()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy, serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "forked");
        Assert.SkipUnless(File.Exists("/usr/bin/python3"), "needs /usr/bin/python3 for the attacker");
        // Staged where nobody can read it: the checkout may be in a directory only root can read.
        var staged = Directory.CreateTempSubdirectory("privport-enrol-attacker-");
        File.SetUnixFileMode(staged.FullName, (UnixFileMode)0b111_101_101);
        string attacker = Path.Combine(staged.FullName, "enrol_after_exit.py");
        File.Copy(Path.Combine(Packaging.RepositoryFiles.Root, "tests", "Privport.Tests", "KernelGrants", "enrol_after_exit.py"), attacker);
        File.SetUnixFileMode(attacker, (UnixFileMode)0b110_100_100);
        ProcessResult result;
        try
        {
            result = await Run.AsRootAsync("sh", "-c", host.Joined(cgroup, Nobody, ["/usr/bin/python3", attacker, broker.SocketPath]) + "; sleep 1");
        }
        finally
        {
            staged.Delete(recursive: true);
        }

        // The pid SO_PEERCRED names is gone: the broker finds so before it makes anything (ESRCH), rather than try to
        // move whatever holds that pid now.
        Assert.StartsWith("status 3: ", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(host.Cgroup2 + cgroup));
    }

    [Fact]
    public async Task A_directory_the_caller_made_in_its_own_cgroup_is_never_taken_for_the_enrolment()
    {
        await using var host = await KernelTestHost.StartWithAttacherAndServerAsync();
        await using var broker = await RunningBroker.StartAsync(privport, Policy, serveArguments: ["--bpf-root", host.BpfMount]);
        string cgroup = host.CreateCgroup(label: "delegated");
        // Delegated to nobody, as systemd's Delegate= or a user session does: it may make children itself.
        Assert.Equal(0, (await Run.AsRootAsync("chown", "-R", $"{Nobody}:{Nobody}", host.Cgroup2 + cgroup)).ExitCode);

        // The script makes the directory the broker would use (named after its pid) before asking.
        string script = host.Joined(cgroup, Nobody, ["sh", "-c",
            $"mkdir \"{host.Cgroup2 + cgroup}/privport-$$\" && exec {privport.Executable} wrap --kernel --socket {broker.SocketPath} -- {host.StaticServer} 127.0.0.1 980"]);
        var result = await Run.AsRootAsync("sh", "-c", script);
        Assert.NotEqual("listening", result.Stdout.Trim());
        Assert.Contains("exists already", result.Stderr, StringComparison.Ordinal);
    }
}
