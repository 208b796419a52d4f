using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Kernel;
using Privport.Policy;
using Privport.Systemd;

namespace Privport.Broker;

/// <summary>
/// Keeps the pinned kernel-grant programs in step with the policy: at start, before the broker tells systemd it is
/// ready (so a unit ordered after privport.service finds its grants in place), and on every reload. The store is
/// opened only when there is something to keep (kernel-scoped rules, pins left from an earlier run, an enrolment):
/// a host without kernel support and a policy without such rules runs the broker exactly as before.
/// On stop the grants are withdrawn by emptying their maps; the pins stay, so programs systemd attached to running
/// units hold their grants again as soon as a broker syncs, without restarting the units.
/// </summary>
internal sealed class KernelGrants : IDisposable
{
    public const string DefaultBpfRoot = "/sys/fs/bpf";

    private readonly ILogger _logger;
    private readonly IAccountDirectory _accounts;
    private readonly Lock _gate = new();
    private KernelGrantStore? _store;
    private KernelGrantPlan _plan = KernelGrantPlan.Empty;
    private string? _problem;

    public KernelGrants(string bpfRoot, IAccountDirectory accounts, ILogger logger)
    {
        PinRoot = PinRootUnder(bpfRoot);
        _accounts = accounts;
        _logger = logger;
    }

    /// <summary>A planner for this host as it is now (the unprivileged port start may have changed since the last).</summary>
    public KernelGrantPlanner Planner() => KernelGrantPlanner.ForHost(_accounts);

    public static string PinRootUnder(string bpfRoot) => Path.Combine(bpfRoot, "privport");

    public string PinRoot { get; }

    /// <summary>The policy's kernel grants as last planned, in force or not (see <see cref="Problem"/>).</summary>
    public KernelGrantPlan Plan => Volatile.Read(ref _plan);

    /// <summary>Why the policy's kernel grants are not in force; null when they are (or there are none).</summary>
    public string? Problem => Volatile.Read(ref _problem);

    /// <summary>Plans the policy's kernel grants and syncs the pins to them; logs what it could not do.</summary>
    public void Apply(PortPolicy policy)
    {
        KernelGrantPlan plan;
        try
        {
            // Without kernel-scoped rules there is nothing to plan: the broker may not even see /proc/sys (ProcSubset=pid).
            plan = policy.Rules.Any(rule => rule.IsKernelScoped) ? Planner().Plan(policy) : KernelGrantPlan.Empty;
        }
        catch (IOException e)
        {
            // The sysctl holds something that is not a port (a hidden /proc/sys reads as the kernel default): the grants
            // cannot be planned; the broker path still works.
            string problem = $"cannot plan the kernel grants: {e.Message}";
            lock (_gate)
            {
                Volatile.Write(ref _plan, KernelGrantPlan.Empty);
                Volatile.Write(ref _problem, problem);
            }

            BrokerLog.KernelGrantsUnavailable(_logger, policy.Rules.SelectMany(rule => rule.Units.Concat(rule.Cgroups)).Distinct(StringComparer.Ordinal).Count(), problem);
            return;
        }

        lock (_gate)
        {
            Volatile.Write(ref _plan, plan);
            if (plan.Scopes.IsEmpty && _store is null && !Directory.Exists(PinRoot))
            {
                Volatile.Write(ref _problem, null);
                return;
            }

            if (OpenLocked(out string? problem) is not { } store)
            {
                Volatile.Write(ref _problem, plan.Scopes.IsEmpty ? null : problem);
                if (!plan.Scopes.IsEmpty)
                {
                    BrokerLog.KernelGrantsUnavailable(_logger, plan.Scopes.Count, problem!);
                }

                return;
            }

            try
            {
                var report = store.Sync(plan);
                Volatile.Write(ref _problem, null);
                BrokerLog.KernelGrantsSynced(_logger, plan.Scopes.Count, PinRoot, Describe(report));
            }
            catch (Exception e) when (e is KernelGrantException or SystemCallException)
            {
                Volatile.Write(ref _problem, e.Message);
                BrokerLog.KernelGrantsSyncFailed(_logger, PinRoot, e.Message);
            }
        }

        foreach (string message in KernelGrantDropIn.AwaitingDaemonReload(plan, PinRoot))
        {
            BrokerLog.KernelGrantAwaitsDaemonReload(_logger, message);
        }
    }

    /// <summary>The store for an enrolment, opened now if need be; null with the reason when this host cannot.</summary>
    public KernelGrantStore? StoreForEnrolment(out string? problem)
    {
        lock (_gate)
        {
            return OpenLocked(out problem);
        }
    }

    /// <summary>What the pins hold now, or null when no store is open.</summary>
    public IReadOnlyList<KernelScopeState>? ReadState()
    {
        lock (_gate)
        {
            if (_store is null)
            {
                return null;
            }

            try
            {
                return _store.ReadState();
            }
            catch (Exception e) when (e is KernelGrantException or SystemCallException)
            {
                BrokerLog.KernelGrantsStateUnreadable(_logger, PinRoot, e.Message);
                return null;
            }
        }
    }

    /// <summary>Fail closed: every pinned scope's map is emptied, the pins stay (see the class summary).</summary>
    public void Withdraw()
    {
        lock (_gate)
        {
            if (_store is null)
            {
                return;
            }

            try
            {
                _store.Sync(Emptied(_store.ReadState()));
                BrokerLog.KernelGrantsWithdrawn(_logger, PinRoot);
            }
            catch (Exception e) when (e is KernelGrantException or SystemCallException)
            {
                BrokerLog.KernelGrantsWithdrawFailed(_logger, PinRoot, e.Message);
            }
        }
    }

    /// <summary>A plan that keeps every scope of <paramref name="state"/> pinned with no entries.</summary>
    public static KernelGrantPlan Emptied(IReadOnlyList<KernelScopeState> state)
    {
        var scopes = ImmutableDictionary.CreateBuilder<GrantScope, ImmutableArray<GrantEntry>>();
        foreach (var scope in state)
        {
            if (scope.Scope.Kind != GrantScopeKind.Enrolment)
            {
                scopes[scope.Scope] = [];
            }
        }

        return new KernelGrantPlan(scopes.ToImmutable(), []);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _store?.Dispose();
            _store = null;
        }
    }

    private KernelGrantStore? OpenLocked(out string? problem)
    {
        if (_store is not null)
        {
            problem = null;
            return _store;
        }

        try
        {
            _store = KernelGrantStore.Open(PinRoot);
            problem = null;
            return _store;
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException)
        {
            problem = e.Message;
            return null;
        }
    }

    private static string Describe(KernelSyncReport report) =>
        $"{report.Created.Length} created, {report.Updated.Length} updated, {report.Removed.Length} removed; {report.EntriesAdded} entries added, {report.EntriesRemoved} removed";
}
