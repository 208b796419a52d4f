using System.Collections.Immutable;
using System.Globalization;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>
/// Whether this host can grant ports in the kernel: Linux 5.12 or later (a bind program may return 3), a cgroup v2
/// mount, bpffs mounted where the pins go, and bpf() allowed. <see cref="Problems"/> names each missing piece and
/// what to use instead.
/// </summary>
internal sealed record KernelGrantSupport(
    Version? KernelVersion, string? Cgroup2Mount, bool BpffsMounted, bool BpfAllowed, ImmutableArray<string> Problems)
{
    public static readonly Version MinimumKernel = new(5, 12);
    public const string DefaultPinRoot = "/sys/fs/bpf/privport";
    private const string Instead = "use privport wrap, privport exec or the broker (privport serve) for this service instead";

    public bool IsSupported => Problems.IsEmpty;

    public static KernelGrantSupport Detect() => Detect(DefaultPinRoot, null, "/proc/self/mountinfo");

    /// <summary>Detects with the kernel release (null: this kernel's) and mountinfo file given, for a pin root.</summary>
    public static KernelGrantSupport Detect(string pinRoot, string? kernelRelease, string mountInfoPath)
    {
        var problems = ImmutableArray.CreateBuilder<string>();
        string release = kernelRelease ?? File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        Version? version = ParseRelease(release);
        if (version is null || version < MinimumKernel)
        {
            problems.Add($"kernel {release} is older than {MinimumKernel}: cgroup bind programs cannot grant a port before Linux 5.12; {Instead}");
        }

        var mounts = MountInfo.Read(mountInfoPath);
        string? cgroup2 = mounts.Cgroup2MountPoint;
        if (cgroup2 is null)
        {
            problems.Add($"no cgroup v2 hierarchy is mounted (none in {mountInfoPath}): kernel grants attach to cgroup v2; mount cgroup2 or {Instead}");
        }

        string parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(pinRoot)) ?? "/";
        bool bpffs = mounts.FsTypeOf(parent) == "bpf";
        if (!bpffs)
        {
            problems.Add($"{parent} is not a bpf file system: pinned grants need bpffs there (mount -t bpf bpf {parent}); or {Instead}");
        }

        bool allowed = ProbeBpf(out string? refusal);
        if (!allowed)
        {
            problems.Add($"bpf() refused a test program load: {refusal}; run privport as root with bpf allowed, or {Instead}");
        }

        return new KernelGrantSupport(version, cgroup2, bpffs, allowed, problems.ToImmutable());
    }

    public void ThrowIfUnsupported()
    {
        if (!IsSupported)
        {
            throw new KernelGrantException("Kernel grants are not available on this host: " + string.Join("; ", Problems));
        }
    }

    private static Version? ParseRelease(string release)
    {
        string[] parts = release.Split('.', '-', '+');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? new Version(major, minor) : null;
    }

    private static bool ProbeBpf(out string? refusal)
    {
        var a = new BpfAssembler();
        a.MovImm(0, GrantProgram.ResultDefault);
        a.Exit();
        byte[] code = BpfInstruction.Encode(a.Build());
        int fd = BpfSystemCall.ProgLoad(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, code, "privport_probe", [], out int errno);
        if (fd < 0)
        {
            refusal = Errno.Describe(errno);
            return false;
        }

        new SafeFdHandle(fd).Dispose();
        refusal = null;
        return true;
    }
}
