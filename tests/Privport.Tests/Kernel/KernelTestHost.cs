using System.Diagnostics;
using System.Globalization;
using Privport.Kernel;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Kernel;

/// <summary>
/// What a kernel-grant test needs of this host, made for the test and removed after it: a private bpffs mounted on a
/// temporary directory (the broker's --bpf-root; /sys/fs/bpf is never touched), cgroups of its own under the cgroup2
/// mount (found in /proc/self/mountinfo), and the C programs compiled for it: the bind client for the store tests,
/// or the pin attacher and a static server for the broker tests.
/// </summary>
internal sealed class KernelTestHost : IAsyncDisposable
{
    private readonly List<string> _cgroups = [];

    private KernelTestHost(string tempDir, string cgroup2)
    {
        TempDir = tempDir;
        Cgroup2 = cgroup2;
    }

    public string TempDir { get; }

    public string BpfMount => Path.Combine(TempDir, "bpf");

    public string PinRoot => Path.Combine(BpfMount, "privport");

    public string Cgroup2 { get; }

    public string Client => Path.Combine(TempDir, "bindclient");

    public string AttachPin => Path.Combine(TempDir, "attach_pin");

    public string StaticServer => Path.Combine(TempDir, "static_server");

    /// <summary>The host with the statically linked bind client (<see cref="BindAsync"/>).</summary>
    public static async Task<KernelTestHost> StartAsync()
    {
        string cgroup2 = MountInfo.Read().Cgroup2MountPoint
            ?? throw new InvalidOperationException("this host has no cgroup v2 mount");
        var host = await MountAsync(cgroup2);
        Check(await host.CompileAsync(host.Client, Path.Combine("Kernel", "bindclient.c"), "-O2", "-static", "-Wall", "-Werror"));
        return host;
    }

    /// <summary>
    /// The host with the pin attacher (<see cref="AttachAsync"/>) and the static server (<see cref="BindOnceAsync"/>);
    /// skips the test, saying why, where the host lacks a piece.
    /// </summary>
    public static async Task<KernelTestHost> StartWithAttacherAndServerAsync()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the pin attacher and the static server");
        string? cgroup2 = Privport.Broker.CgroupHierarchy.FindMount();
        Assert.SkipWhen(cgroup2 is null, "needs a cgroup v2 hierarchy mounted");
        var kernel = KernelGrantSupport.Detect();
        Assert.SkipWhen(kernel.KernelVersion is not null && kernel.KernelVersion < KernelGrantSupport.MinimumKernel, "needs Linux 5.12 or later");

        var host = await MountAsync(cgroup2!);
        Check(await host.CompileAsync(host.AttachPin, Path.Combine("KernelGrants", "attach_pin.c"), "-Wall", "-Wextra", "-Werror", "-O2"));
        var server = await host.CompileAsync(host.StaticServer, Path.Combine("KernelGrants", "static_server.c"), "-Wall", "-Wextra", "-Werror", "-O2", "-static");
        Assert.SkipWhen(server.ExitCode != 0, $"needs a static libc (libc6-dev) to link the static server: {server.Stderr}");
        return host;
    }

    /// <summary>
    /// Creates a uniquely named cgroup under the cgroup v2 root (below <paramref name="under"/> when given, its name
    /// carrying <paramref name="label"/> when given); returns its path from that root.
    /// </summary>
    public string CreateCgroup(string? under = null, string? label = null)
    {
        string name = label is null ? "privport-test-" : $"privport-test-{label}-";
        string path = $"{under}/{name}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}";
        Directory.CreateDirectory(CgroupDir(path));
        _cgroups.Add(path);
        return path;
    }

    public string CgroupDir(string path) => Path.Combine(Cgroup2, path.TrimStart('/'));

    /// <summary>Runs the bind client as uid:gid, first moved into <paramref name="cgroupDir"/> when one is given.</summary>
    public Task<ProcessResult> BindAsync(string? cgroupDir, uint uid, uint gid, params string[] arguments)
    {
        string join = cgroupDir is null ? "" : $"echo $$ > '{cgroupDir}/cgroup.procs' && ";
        string command = join + $"exec {Privilege.Setpriv} --reuid {uid} --regid {gid} --clear-groups --inh-caps=-all --bounding-set=-all {Client} {string.Join(' ', arguments)}";
        return Run.AsRootAsync("sh", "-c", command);
    }

    /// <summary>Attaches the pinned bind4 and bind6 programs of a pin directory to a cgroup, as systemd does for
    /// BPFProgram=bind4:PIN and bind6:PIN.</summary>
    public async Task AttachAsync(string pinDirectory, string cgroup)
    {
        foreach (string program in new[] { "bind4", "bind6" })
        {
            Check(await Run.AsRootAsync(AttachPin, Path.Combine(pinDirectory, program), CgroupDir(cgroup), program));
        }
    }

    /// <summary>The static server binding once (no serving) as <paramref name="uid"/> inside <paramref name="cgroup"/>
    /// (null: where the test runs); its output: "listening", or "bind: Permission denied".</summary>
    public async Task<string> BindOnceAsync(uint uid, string? cgroup, string address, int port)
    {
        var result = await Run.AsRootAsync("sh", "-c", Joined(cgroup, uid, [StaticServer, address, port.ToString(CultureInfo.InvariantCulture)]));
        return result.Stdout.Trim() + result.Stderr.Trim();
    }

    /// <summary>A shell line that joins <paramref name="cgroup"/> and execs <paramref name="command"/> as <paramref name="uid"/>.</summary>
    public string Joined(string? cgroup, uint uid, string[] command)
    {
        string join = cgroup is null ? "" : $"echo $$ > '{CgroupDir(cgroup)}/cgroup.procs' && ";
        string id = uid.ToString(CultureInfo.InvariantCulture);
        return join + $"exec '{Privilege.Setpriv}' --reuid {id} --regid {id} --clear-groups " + string.Join(' ', command.Select(word => $"'{word}'"));
    }

    /// <summary>Starts <paramref name="script"/> under sh with its output redirected.</summary>
    public static async Task<Process> StartShellAsync(string script)
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        await Task.Yield();
        return Process.Start(info)!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                using var store = KernelGrantStore.Open(PinRoot);
                store.RevokeAll();
            }
            catch (KernelGrantException)
            {
            }

            foreach (string cgroup in Enumerable.Reverse(_cgroups))
            {
                await RemoveCgroupAsync(CgroupDir(cgroup));
            }
        }
        finally
        {
            // Whatever the cgroups did, the private bpffs goes: a mount left behind would outlive the test run.
            var umount = await Run.AsRootAsync("umount", BpfMount);
            if (umount.ExitCode == 0)
            {
                Directory.Delete(TempDir, recursive: true);
            }
        }
    }

    /// <summary>Removes a cgroup and any left below it, deepest first, waiting briefly for exited processes to leave.</summary>
    public static async Task RemoveCgroupAsync(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (string child in Directory.GetDirectories(dir))
        {
            await RemoveCgroupAsync(child);
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Directory.Delete(dir);
                return;
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50);
            }
        }
    }

    private static async Task<KernelTestHost> MountAsync(string cgroup2)
    {
        string temp = Directory.CreateTempSubdirectory("privport-kernel-").FullName;
        File.SetUnixFileMode(temp, (UnixFileMode)0b111_101_101);
        var host = new KernelTestHost(temp, cgroup2);
        Directory.CreateDirectory(host.BpfMount);
        Check(await Run.AsRootAsync("mount", "-t", "bpf", "bpf", host.BpfMount));
        return host;
    }

    // Sources are read from the test project's folder of the repository, relative to it.
    private Task<ProcessResult> CompileAsync(string output, string source, params string[] flags) =>
        Run.AsRootAsync("cc", [.. flags, "-o", output, Path.Combine(RepositoryFiles.Root, "tests", "Privport.Tests", source)]);

    private static void Check(ProcessResult result) =>
        Assert.True(result.ExitCode == 0, result.ToString());
}
