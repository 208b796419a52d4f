using System.Collections.Immutable;
using System.Net.Sockets;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

internal sealed partial class KernelGrantStore
{
    private static readonly AddressFamily[] Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6];

    /// <summary>
    /// Brings the pins in step with <paramref name="plan"/>: existing maps are updated in place (new entries before
    /// stale ones go), new scopes are loaded and pinned, Cgroup scopes attached where their cgroup exists, and scopes
    /// not in the plan emptied, detached and unpinned.
    /// </summary>
    public KernelSyncReport Sync(KernelGrantPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var pinned = PinnedScopes();
        uint next = pinned.Count == 0 ? 1 : pinned.Values.Max() + 1;
        var created = ImmutableArray.CreateBuilder<GrantScope>();
        var updated = ImmutableArray.CreateBuilder<GrantScope>();
        var removed = ImmutableArray.CreateBuilder<GrantScope>();
        var attached = ImmutableArray.CreateBuilder<string>();
        int added = 0, deleted = 0;
        foreach (var (scope, entries) in plan.Scopes.OrderBy(s => s.Key.Kind).ThenBy(s => s.Key.Name, StringComparer.Ordinal))
        {
            string dir = PinLayout.ScopeDirectory(PinRoot, scope);
#pragma warning disable CA2000 // Disposed by its using declaration; the analyzer misreads some inside a loop (dotnet/roslyn-analyzers#7047).
            using var grants = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.Grants));
#pragma warning restore CA2000
            if (grants is not null && pinned.ContainsKey(scope) && AllPinned(dir))
            {
                var (a, d) = GrantMap.Sync(grants, entries);
                (added, deleted) = (added + a, deleted + d);
                updated.Add(scope);
            }
            else
            {
                RemovePins(dir);
                added += CreateScope(dir, entries, next++);
                created.Add(scope);
            }

            if (scope.Kind == GrantScopeKind.Cgroup && _cgroup2 is not null && AttachIfMissing(dir, CgroupDirectory.OfPath(_cgroup2, scope.Name)))
            {
                attached.Add(scope.Name);
            }
        }

        foreach (var scope in pinned.Keys.Where(s => !plan.Scopes.ContainsKey(s)))
        {
            deleted += RemoveScope(scope);
            removed.Add(scope);
        }

        return new KernelSyncReport(created.ToImmutable(), updated.ToImmutable(), removed.ToImmutable(), added, deleted, attached.ToImmutable());
    }

    /// <summary>Fails closed: empties every grants map, detaches every program and removes every pin under the root.</summary>
    public void RevokeAll()
    {
        foreach (var scope in PinnedScopes().Keys)
        {
            RemoveScope(scope);
        }
    }

    public IReadOnlyList<KernelScopeState> ReadState()
    {
        var states = new List<KernelScopeState>();
        foreach (var (scope, number) in PinnedScopes().OrderBy(s => s.Value))
        {
            string dir = PinLayout.ScopeDirectory(PinRoot, scope);
            using var grants = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.Grants));
            states.Add(new KernelScopeState(
                scope, number, grants is null ? 0 : GrantMap.Count(grants),
                Path.Combine(dir, PinLayout.Bind4), Path.Combine(dir, PinLayout.Bind6), Path.Combine(dir, PinLayout.Grants),
                [.. AttachedCgroups(scope, dir)]));
        }

        return states;
    }

    private static bool AllPinned(string dir) =>
        File.Exists(Path.Combine(dir, PinLayout.Bind4)) && File.Exists(Path.Combine(dir, PinLayout.Bind6));

    private int CreateScope(string dir, ImmutableArray<GrantEntry> entries, uint number)
    {
        Directory.CreateDirectory(dir);
        using var grants = GrantMap.Create();
        int added = GrantMap.Sync(grants, entries).Added;
        using var numberMap = CreateScopeNumberMap(number);
        BpfSystemCall.ObjPin(numberMap, Path.Combine(dir, PinLayout.ScopeNumber));
        BpfSystemCall.ObjPin(grants, Path.Combine(dir, PinLayout.Grants));
        foreach (var family in Families)
        {
            using var program = GrantProgramLoader.Load(family, grants, _shared.Events, _shared.Dropped, number, wakeReader: false);
            BpfSystemCall.ObjPin(program, Path.Combine(dir, PinLayout.ProgramName(family)));
        }

        return added;
    }

    private int RemoveScope(GrantScope scope)
    {
        string dir = PinLayout.ScopeDirectory(PinRoot, scope);
        int deleted = 0;
        using (var grants = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.Grants)))
        {
            if (grants is not null)
            {
                deleted = GrantMap.Sync(grants, []).Removed;
            }
        }

        foreach (string cgroup in CandidateCgroups(scope))
        {
            Detach(dir, cgroup);
        }

        RemovePins(dir);
        return deleted;
    }

    private List<string> CandidateCgroups(GrantScope scope) => _cgroup2 is null
        ? []
        : scope.Kind == GrantScopeKind.Unit ? CgroupDirectory.OfUnit(_cgroup2, scope.Name) : [CgroupDirectory.OfPath(_cgroup2, scope.Name)];

    private List<string> AttachedCgroups(GrantScope scope, string dir)
    {
        var result = new List<string>();
        foreach (string cgroup in CandidateCgroups(scope).Where(Directory.Exists))
        {
            using var cg = KernelEnrolment.CgroupFd(cgroup);
            foreach (var family in Families)
            {
                using var program = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.ProgramName(family)));
                if (program is not null && BpfSystemCall.ProgQuery(cg, KernelEnrolment.AttachType(family)).Contains(BpfSystemCall.ObjectId(program)))
                {
                    result.Add(cgroup);
                    break;
                }
            }
        }

        return result;
    }

    private static bool AttachIfMissing(string dir, string cgroup)
    {
        if (!Directory.Exists(cgroup))
        {
            return false;
        }

        bool any = false;
        using var cg = KernelEnrolment.CgroupFd(cgroup);
        foreach (var family in Families)
        {
            using var program = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.ProgramName(family)))
                ?? throw new KernelGrantException($"The pinned program {Path.Combine(dir, PinLayout.ProgramName(family))} vanished during sync; run it again.");
            uint attachType = KernelEnrolment.AttachType(family);
            if (!BpfSystemCall.ProgQuery(cg, attachType).Contains(BpfSystemCall.ObjectId(program)))
            {
                BpfSystemCall.ProgAttach(cg, program, attachType, BPF_F_ALLOW_MULTI);
                any = true;
            }
        }

        return any;
    }

    private static void Detach(string dir, string cgroup)
    {
        if (!Directory.Exists(cgroup))
        {
            return;
        }

        using var cg = KernelEnrolment.CgroupFd(cgroup);
        foreach (var family in Families)
        {
#pragma warning disable CA2000 // Disposed by its using declaration; the analyzer misreads some inside a loop (dotnet/roslyn-analyzers#7047).
            using var program = BpfSystemCall.ObjGet(Path.Combine(dir, PinLayout.ProgramName(family)));
#pragma warning restore CA2000
            if (program is not null)
            {
                BpfSystemCall.ProgDetach(cg, program, KernelEnrolment.AttachType(family));
            }
        }
    }

    private static void RemovePins(string dir)
    {
        if (Directory.Exists(dir))
        {
            foreach (string pin in Directory.EnumerateFiles(dir))
            {
                File.Delete(pin);
            }

            Directory.Delete(dir);
        }
    }
}
