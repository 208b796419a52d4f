using Privport.Kernel;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Kernel;

/// <summary>Each missing requirement of kernel grants is named, with what to use instead. Uses no ports.</summary>
public sealed class KernelGrantSupportTests
{
    [Fact]
    public async Task This_host_with_a_bpffs_supports_kernel_grants()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        var support = KernelGrantSupport.Detect(host.PinRoot, null, "/proc/self/mountinfo");
        Assert.True(support.IsSupported, string.Join("; ", support.Problems));
        Assert.Equal(host.Cgroup2, support.Cgroup2Mount);
    }

    [Fact]
    public async Task A_kernel_older_than_5_12_is_named_with_the_alternatives()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        var support = KernelGrantSupport.Detect(host.PinRoot, "5.10.0-28-amd64", "/proc/self/mountinfo");
        string problem = Assert.Single(support.Problems);
        Assert.Contains("5.10.0-28-amd64", problem);
        Assert.Contains("privport wrap", problem);
    }

    [Fact]
    public async Task No_cgroup_v2_mount_is_named()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string mountinfo = Path.Combine(host.TempDir, "mountinfo");
        File.WriteAllLines(mountinfo, File.ReadAllLines("/proc/self/mountinfo").Where(line => !line.Contains(" - cgroup2 ", StringComparison.Ordinal)));
        var support = KernelGrantSupport.Detect(host.PinRoot, null, mountinfo);
        Assert.Null(support.Cgroup2Mount);
        Assert.Contains("cgroup v2", Assert.Single(support.Problems));
    }

    [Fact]
    public async Task A_pin_root_off_bpffs_is_named_and_refused_by_Open()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string tmpfs = Path.Combine(host.TempDir, "tmpfs");
        Directory.CreateDirectory(tmpfs);
        Assert.Equal(0, (await Run.AsRootAsync("mount", "-t", "tmpfs", "tmpfs", tmpfs)).ExitCode);
        try
        {
            string pinRoot = Path.Combine(tmpfs, "privport");
            var support = KernelGrantSupport.Detect(pinRoot, null, "/proc/self/mountinfo");
            Assert.False(support.BpffsMounted);
            Assert.Contains("mount -t bpf bpf", Assert.Single(support.Problems));
            var error = Assert.Throws<KernelGrantException>(() => KernelGrantStore.Open(pinRoot));
            Assert.Contains("not a bpf file system", error.Message);
            Assert.False(Directory.Exists(pinRoot));
        }
        finally
        {
            await Run.AsRootAsync("umount", tmpfs);
        }
    }

    [Fact]
    public async Task A_refused_load_reports_the_verifier_log_tail()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        using var store = KernelGrantStore.Open(host.PinRoot);

        // A map fd that is not a map makes the kernel refuse the program; the error must carry a log, not just errno.
        using var notAMap = new Privport.Interop.SafeFdHandle(Privport.Interop.Interop.Libc.open("/dev/null", 0, 0));
        var error = Assert.Throws<KernelGrantException>(() =>
            GrantProgramLoader.Load(System.Net.Sockets.AddressFamily.InterNetwork, notAMap, notAMap, notAMap, 1, false));
        Assert.Contains("Verifier log (end):", error.Message);
        Assert.Contains("privport wrap", error.Message);
    }
}
