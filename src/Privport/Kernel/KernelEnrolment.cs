using System.Collections.Immutable;
using System.Net.Sockets;
using Privport.Interop;

namespace Privport.Kernel;

/// <summary>
/// One process's grants in a child cgroup privport made for it, held by BPF links: when the last link fd closes
/// (Dispose, or the holder's exit) the grants are gone; sockets already bound stay bound.
/// </summary>
internal sealed class KernelEnrolment : IDisposable
{
    private readonly SafeFdHandle[] _links;

    internal KernelEnrolment(string cgroupDirectory, SafeFdHandle[] links)
    {
        CgroupDirectory = cgroupDirectory;
        _links = links;
    }

    public string CgroupDirectory { get; }

    /// <summary>Whether any process is still in the cgroup or below it (cgroup.events "populated 1").</summary>
    public bool IsPopulated =>
        File.ReadAllLines(Path.Combine(CgroupDirectory, "cgroup.events")).Contains("populated 1");

    /// <summary>The link fds, for a holder that passes them on (each keeps the grant alive while open).</summary>
    public IReadOnlyList<SafeFdHandle> Links => _links;

    internal static KernelEnrolment Create(
        string parentCgroupDir, int pid, ImmutableArray<GrantEntry> entries, uint scopeNumber, SharedMaps shared)
    {
        string dir = Path.Combine(parentCgroupDir, $"privport-{pid}");
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KernelGrantException($"Could not create the cgroup {dir} for pid {pid}: {e.Message}; the parent cgroup must be on cgroup v2 and writable by privport.", e);
        }

        var links = new List<SafeFdHandle>();
        try
        {
            using var grants = GrantMap.Create();
            GrantMap.Sync(grants, entries);
            using var cgroup = CgroupFd(dir);
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                using var program = GrantProgramLoader.Load(family, grants, shared.Events, shared.Dropped, scopeNumber, wakeReader: false);
                links.Add(BpfSystemCall.LinkCreate(program, cgroup, AttachType(family)));
            }

            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new KernelEnrolment(dir, [.. links]);
        }
        catch
        {
            links.ForEach(link => link.Dispose());
            TryRemove(dir);
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        TryRemove(CgroupDirectory);
    }

    internal static uint AttachType(AddressFamily family) => family == AddressFamily.InterNetwork
        ? Privport.Interop.Interop.Libc.BPF_CGROUP_INET4_BIND
        : Privport.Interop.Interop.Libc.BPF_CGROUP_INET6_BIND;

    internal static SafeFdHandle CgroupFd(string dir)
    {
        int fd = Privport.Interop.Interop.Libc.open(dir, Privport.Interop.Interop.Libc.O_RDONLY | 0x80000 /* O_CLOEXEC */ | 0x10000 /* O_DIRECTORY */, 0);
        return fd < 0 ? throw SystemCallException.FromLastError($"open of cgroup {dir}") : new SafeFdHandle(fd);
    }

    // A cgroup with processes left cannot be removed (EBUSY); its grants are gone with the links all the same.
    private static void TryRemove(string dir)
    {
        try
        {
            Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }
}
