using Microsoft.Extensions.Logging;
using Privport.Client;
using Privport.Protocol;
using Privport.Interop;
using Privport.Kernel;
using Privport.Policy;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Reads the kernel grant event ring on a thread of its own (the programs send without waking the reader, so the
/// thread polls its descriptor with a short timeout) and turns every event into an audit line like the broker's
/// own, throttled the same way. The ring drops events when full; the grant itself never depends on it, and the
/// drops are counted in status and metrics.
/// </summary>
internal sealed class KernelEventPump : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly KernelEventReader _reader;
    private readonly KernelGrants _grants;
    private readonly KernelEnrolments _enrolments;
    private readonly AuditLog _audit;
    private readonly BrokerStatistics _statistics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private ulong _reportedDropped;

    private KernelEventPump(KernelEventReader reader, KernelGrants grants, KernelEnrolments enrolments, AuditLog audit, BrokerStatistics statistics, ILogger logger, TimeProvider clock)
    {
        _reader = reader;
        _grants = grants;
        _enrolments = enrolments;
        _audit = audit;
        _statistics = statistics;
        _logger = logger;
        _clock = clock;
        _thread = new Thread(Run) { IsBackground = true, Name = "privport-kernel-events" };
        _thread.Start();
    }

    /// <summary>Starts reading when the store is open; null (nothing to audit) otherwise.</summary>
    public static KernelEventPump? TryStart(KernelGrants grants, KernelEnrolments enrolments, AuditLog audit, BrokerStatistics statistics, ILogger logger, TimeProvider clock)
    {
        if (grants.ReadState() is null || grants.StoreForEnrolment(out _) is not { } store)
        {
            return null;
        }

        try
        {
            return new KernelEventPump(store.OpenEvents(), grants, enrolments, audit, statistics, logger, clock);
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException)
        {
            BrokerLog.KernelEventsFailed(logger, e.Message);
            return null;
        }
    }

    private unsafe void Run()
    {
        var scopes = new Dictionary<uint, GrantScope>();
        var ring = new pollfd { fd = _reader.Fd, events = POLLIN };
        while (!_stopping)
        {
            ring.revents = 0;
            _ = poll(&ring, 1, (int)PollInterval.TotalMilliseconds);
            try
            {
                Drain(scopes);
            }
            catch (Exception e) when (e is KernelGrantException or SystemCallException)
            {
                BrokerLog.KernelEventsFailed(_logger, e.Message);
                return;
            }
        }
    }

    private void Drain(Dictionary<uint, GrantScope> scopes)
    {
        while (_reader.TryRead(out var grant))
        {
            Audit(grant, scopes);
        }

        ulong dropped = _reader.Dropped;
        _statistics.SetKernelEventsDropped(dropped);
        _statistics.SetKernelEnrolments(_enrolments.Count);
        if (dropped > _reportedDropped)
        {
            _reportedDropped = dropped;
            BrokerLog.KernelEventsDropped(_logger, dropped);
        }
    }

    private void Audit(in KernelGrantEvent grant, Dictionary<uint, GrantScope> scopes)
    {
        string? rule;
        KernelAuditSource source;
        if (_enrolments.Find(grant.ScopeNumber) is { } enrolled)
        {
            rule = grant.RuleNumber < enrolled.RuleIds.Length ? enrolled.RuleIds[(int)grant.RuleNumber] : null;
            source = new KernelAuditSource(grant.Comm, null, enrolled.Cgroup, grant.CgroupId);
        }
        else
        {
            if (!scopes.TryGetValue(grant.ScopeNumber, out var scope))
            {
                // A scope pinned since the last look: read the numbers again (rare: only after a reload).
                scopes.Clear();
                foreach (var state in _grants.ReadState() ?? [])
                {
                    scopes[state.ScopeNumber] = state.Scope;
                }

                scopes.TryGetValue(grant.ScopeNumber, out scope);
            }

            var ruleIds = _grants.Plan.RuleIds;
            rule = grant.RuleNumber < ruleIds.Length ? ruleIds[(int)grant.RuleNumber] : null;
            source = new KernelAuditSource(
                grant.Comm,
                scope.Kind == GrantScopeKind.Unit ? scope.Name : null,
                scope.Kind == GrantScopeKind.Cgroup ? scope.Name : null,
                grant.CgroupId);
        }

        _statistics.CountKernelGranted(rule);
        var peer = new PeerIdentity(grant.Uid, grant.Gid, [], grant.Pid, Exe: null);
        var endpoint = new Endpoint(grant.Protocol, grant.Address, grant.Port);
        _audit.Write(new AuditRecord(_clock.GetUtcNow(), BrokerOp.Bind, "allow", rule, rule is null ? "granted in the kernel" : $"granted in the kernel by rule {rule}", 0, peer, endpoint)
        {
            Kernel = source,
        });
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        _reader.Dispose();
    }
}
