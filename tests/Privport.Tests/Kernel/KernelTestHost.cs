using System.Diagnostics;
using Privport.Kernel;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Kernel;

/// <summary>
/// A private bpffs mounted on a temporary directory, a test cgroup under the host's cgroup v2 mount, and the bind
/// client compiled (statically) for this run; everything is removed on dispose.
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

    public static async Task<KernelTestHost> StartAsync()
    {
        string cgroup2 = MountInfo.Read().Cgroup2MountPoint
            ?? throw new InvalidOperationException("this host has no cgroup v2 mount");
        string temp = Directory.CreateTempSubdirectory("privport-kernel-").FullName;
        File.SetUnixFileMode(temp, (UnixFileMode)0x1ed);
        var host = new KernelTestHost(temp, cgroup2);
        Directory.CreateDirectory(host.BpfMount);
        Check(await Run.AsRootAsync("mount", "-t", "bpf", "bpf", host.BpfMount));
        string source = Path.Combine(AppContext.BaseDirectory, "Kernel", "bindclient.c");
        Check(await Run.AsRootAsync("gcc", "-O2", "-static", "-Wall", "-Werror", "-o", host.Client, source));
        return host;
    }

    /// <summary>Creates a uniquely named cgroup under the cgroup v2 root; returns its path from that root.</summary>
    public string CreateCgroup(string? under = null)
    {
        string path = (under ?? "") + $"/privport-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
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

    public async ValueTask DisposeAsync()
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

        await Run.AsRootAsync("umount", BpfMount);
        Directory.Delete(TempDir, recursive: true);
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

    private static void Check(ProcessResult result) =>
        Assert.True(result.ExitCode == 0, result.ToString());
}
