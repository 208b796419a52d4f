using System.Diagnostics;
using System.Globalization;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.KernelGrants;

/// <summary>
/// What a kernel-grant test needs of this host, made for the test and removed after it: a private bpffs mounted on a
/// temporary directory (the broker's --bpf-root; /sys/fs/bpf is never touched), cgroups of its own under the cgroup2
/// mount (found in /proc/self/mountinfo), and the C programs compiled for it (the pin attacher and a static server).
/// Skips the test, saying why, where the host lacks a piece.
/// </summary>
public sealed class KernelTestHost : IAsyncDisposable
{
    private readonly List<string> _cgroups = [];

    private KernelTestHost(string directory, string cgroup2)
    {
        Directory = directory;
        Cgroup2 = cgroup2;
    }

    public string Directory { get; }

    public string BpfRoot => Path.Combine(Directory, "bpf");

    public string PinRoot => Path.Combine(BpfRoot, "privport");

    public string Cgroup2 { get; }

    public string AttachPin => Path.Combine(Directory, "attach_pin");

    public string StaticServer => Path.Combine(Directory, "static_server");

    public static async Task<KernelTestHost> StartAsync()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the pin attacher and the static server");
        string? cgroup2 = Privport.Broker.CgroupHierarchy.FindMount();
        Assert.SkipWhen(cgroup2 is null, "needs a cgroup v2 hierarchy mounted");
        var kernel = Privport.Kernel.KernelGrantSupport.Detect();
        Assert.SkipWhen(kernel.KernelVersion is not null && kernel.KernelVersion < Privport.Kernel.KernelGrantSupport.MinimumKernel, "needs Linux 5.12 or later");

        string directory = System.IO.Directory.CreateTempSubdirectory("privport-kernel-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var host = new KernelTestHost(directory, cgroup2!);
        System.IO.Directory.CreateDirectory(host.BpfRoot);
        var mount = await Run.AsRootAsync("mount", "-t", "bpf", "bpf", host.BpfRoot);
        Assert.True(mount.ExitCode == 0, mount.ToString());
        string source = Path.Combine(RepositoryFiles.Root, "tests", "Privport.Tests", "KernelGrants");
        var attach = await Run.AsRootAsync("cc", "-Wall", "-Wextra", "-Werror", "-O2", "-o", host.AttachPin, Path.Combine(source, "attach_pin.c"));
        Assert.True(attach.ExitCode == 0, attach.ToString());
        var server = await Run.AsRootAsync("cc", "-Wall", "-Wextra", "-Werror", "-O2", "-static", "-o", host.StaticServer, Path.Combine(source, "static_server.c"));
        Assert.SkipWhen(server.ExitCode != 0, $"needs a static libc (libc6-dev) to link the static server: {server.Stderr}");
        return host;
    }

    /// <summary>A new cgroup under the cgroup2 mount; its path from the hierarchy's root.</summary>
    public string MakeCgroup(string name)
    {
        string path = "/privport-test-" + name + "-" + Guid.NewGuid().ToString("N")[..12];
        System.IO.Directory.CreateDirectory(Cgroup2 + path);
        _cgroups.Add(path);
        return path;
    }

    /// <summary>Attaches the pinned bind4 and bind6 programs of <paramref name="unitOrPath"/>'s pin directory to a cgroup,
    /// as systemd does for BPFProgram=bind4:PIN and bind6:PIN.</summary>
    public async Task AttachAsync(string pinDirectory, string cgroup)
    {
        foreach (string program in new[] { "bind4", "bind6" })
        {
            var result = await Run.AsRootAsync(AttachPin, Path.Combine(pinDirectory, program), Cgroup2 + cgroup, program);
            Assert.True(result.ExitCode == 0, result.ToString());
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
        string join = cgroup is null ? "" : $"echo $$ > '{Cgroup2 + cgroup}/cgroup.procs' && ";
        string id = uid.ToString(CultureInfo.InvariantCulture);
        return join + $"exec '{Privilege.Setpriv}' --reuid {id} --regid {id} --clear-groups " + string.Join(' ', command.Select(word => $"'{word}'"));
    }

    public static async Task<Process> StartAsync(string script)
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
            foreach (string cgroup in Enumerable.Reverse(_cgroups))
            {
                RemoveCgroupTree(Cgroup2 + cgroup);
            }
        }
        finally
        {
            // Whatever the cgroups did, the private bpffs goes: a mount left behind would outlive the test run.
            var umount = await Run.AsRootAsync("umount", BpfRoot);
            if (umount.ExitCode == 0)
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    // Children first (an enrolment's cgroup may still be there); processes left inside are the test's and have exited.
    private static void RemoveCgroupTree(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return;
        }

        foreach (string child in System.IO.Directory.GetDirectories(directory))
        {
            RemoveCgroupTree(child);
        }

        for (int attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(directory);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
