using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net.Sockets;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>
/// The kernel grants pinned under one bpffs directory: per scope a bind4/bind6 program pair with its own grants map,
/// all sharing one events ring and one drop counter. Pins outlive privport; scope numbers are read back from them.
/// </summary>
internal sealed partial class KernelGrantStore : IDisposable
{
    private readonly SharedMaps _shared;
    private readonly string? _cgroup2;

    private KernelGrantStore(string pinRoot, SharedMaps shared, string? cgroup2)
    {
        PinRoot = pinRoot;
        _shared = shared;
        _cgroup2 = cgroup2;
    }

    public string PinRoot { get; }

    /// <summary>Opens (creating if needed) the store at <paramref name="pinRoot"/>, whose parent must be bpffs.</summary>
    public static KernelGrantStore Open(string pinRoot = KernelGrantSupport.DefaultPinRoot) =>
        Open(pinRoot, "/proc/self/mountinfo");

    internal static KernelGrantStore Open(string pinRoot, string mountInfoPath)
    {
        var mounts = MountInfo.Read(mountInfoPath);
        string parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(pinRoot)) ?? "/";
        if (mounts.FsTypeOf(parent) != "bpf")
        {
            throw new KernelGrantException(
                $"{parent} is not a bpf file system, so kernel grants cannot be pinned at {pinRoot}: mount it "
                + $"(mount -t bpf bpf {parent}), or use privport wrap, privport exec or the broker instead.");
        }

        try
        {
            Directory.CreateDirectory(pinRoot);
            Directory.CreateDirectory(Path.Combine(pinRoot, PinLayout.Units));
            Directory.CreateDirectory(Path.Combine(pinRoot, PinLayout.Cgroups));
            return new KernelGrantStore(pinRoot, SharedMaps.OpenOrCreate(pinRoot), mounts.Cgroup2MountPoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KernelGrantException($"Could not open the kernel grant pins at {pinRoot}: {e.Message}. Run privport as root.", e);
        }
    }

    public static string ProgramPinPath(string pinRoot, GrantScope scope, AddressFamily family) =>
        Path.Combine(PinLayout.ScopeDirectory(pinRoot, scope), PinLayout.ProgramName(family));

    public KernelEnrolment Enrol(string parentCgroupDir, int pid, ImmutableArray<GrantEntry> entries, uint scopeNumber) =>
        KernelEnrolment.Create(parentCgroupDir, pid, entries, scopeNumber, _shared);

    public KernelEventReader OpenEvents()
    {
        var ring = BpfSystemCall.ObjGet(Path.Combine(PinRoot, PinLayout.Events))
            ?? throw new KernelGrantException($"The events ring {Path.Combine(PinRoot, PinLayout.Events)} is gone; reopen the store.");
        var dropped = BpfSystemCall.ObjGet(Path.Combine(PinRoot, PinLayout.Dropped))
            ?? throw new KernelGrantException($"The drop counter {Path.Combine(PinRoot, PinLayout.Dropped)} is gone; reopen the store.");
        return new KernelEventReader(ring, dropped, SharedMaps.RingSize);
    }

    public void Dispose() => _shared.Dispose();

    /// <summary>The pinned scopes and their numbers, read from the pin directories.</summary>
    private Dictionary<GrantScope, uint> PinnedScopes()
    {
        var scopes = new Dictionary<GrantScope, uint>();
        foreach (var (kind, folder) in new[] { (GrantScopeKind.Unit, PinLayout.Units), (GrantScopeKind.Cgroup, PinLayout.Cgroups) })
        {
            foreach (string dir in Directory.EnumerateDirectories(Path.Combine(PinRoot, folder)))
            {
                string name = Path.GetFileName(dir);
                var scope = new GrantScope(kind, PinLayout.UnescapeCgroupPath(name));
                scopes[scope] = ReadScopeNumber(dir);
            }
        }

        return scopes;
    }

    private static uint ReadScopeNumber(string scopeDir)
    {
        using var map = BpfSystemCall.ObjGet(Path.Combine(scopeDir, PinLayout.ScopeNumber));
        if (map is null)
        {
            return 0;
        }

        Span<byte> key = stackalloc byte[4];
        key.Clear();
        Span<byte> value = stackalloc byte[4];
        return BpfSystemCall.MapLookup(map, key, value) ? BinaryPrimitives.ReadUInt32LittleEndian(value) : 0;
    }

    private static SafeFdHandle CreateScopeNumberMap(uint number)
    {
        var map = BpfSystemCall.MapCreate(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, "privport_scope");
        Span<byte> key = stackalloc byte[4];
        key.Clear();
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(value, number);
        BpfSystemCall.MapUpdate(map, key, value);
        return map;
    }
}
