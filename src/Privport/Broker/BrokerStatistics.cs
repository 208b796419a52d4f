using System.Collections.Concurrent;
using Privport.Client;
using Privport.Metrics;

namespace Privport.Broker;

/// <summary>
/// Counters the STATUS ops report, updated from every connection at once: totals, per rule, and the last denials.
/// Memory is bounded: at most <see cref="MaxRules"/> rule names are counted (reloads may rename rules) and the last
/// <see cref="RecentDenialCapacity"/> denials are kept.
/// </summary>
internal sealed class BrokerStatistics
{
    public const int RecentDenialCapacity = 32;
    public const int MaxRules = 1024;

    /// <summary>Where grants and denials of rules past <see cref="MaxRules"/>, or of no rule at all, are counted.</summary>
    public const string NoRule = "(none)";

    private readonly long _startedTicks = Environment.TickCount64;
    private readonly ConcurrentDictionary<string, RuleCounters> _rules = new(StringComparer.Ordinal);
    private readonly RecentDenial?[] _recent = new RecentDenial?[RecentDenialCapacity];
    private readonly Lock _recentGate = new();
    private readonly BrokerMetrics? _metrics;
    private int _recentNext;
    private long _requests;
    private long _granted;
    private long _denied;
    private long _errors;
    private long _kernelGranted;
    private long _kernelEventsDropped;

    public BrokerStatistics(BrokerMetrics? metrics = null)
    {
        _metrics = metrics;
    }

    public ulong UptimeSeconds => (ulong)((Environment.TickCount64 - _startedTicks) / 1000);

    public void CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>Binds granted in the kernel, as the event ring reported them.</summary>
    public ulong KernelGranted => (ulong)Interlocked.Read(ref _kernelGranted);

    /// <summary>Events the kernel ring dropped (grants that happened but could not be audited).</summary>
    public ulong KernelEventsDropped => (ulong)Interlocked.Read(ref _kernelEventsDropped);

    public void CountKernelGranted(string? ruleId)
    {
        Interlocked.Increment(ref _kernelGranted);
        Rule(ruleId).CountGranted();
        _metrics?.KernelGranted(ruleId ?? NoRule);
    }

    public void SetKernelEventsDropped(ulong dropped)
    {
        Interlocked.Exchange(ref _kernelEventsDropped, (long)dropped);
        _metrics?.KernelEventsDropped(dropped);
    }

    public void SetKernelEnrolments(int count) => _metrics?.KernelEnrolments(count);

    public void CountGranted(string op, string? ruleId, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _granted);
        Rule(ruleId).CountGranted();
        _metrics?.Granted(op, ruleId ?? NoRule, elapsed);
    }

    public void CountDenied(RecentDenial denial)
    {
        Interlocked.Increment(ref _denied);
        Rule(denial.NearestRule).CountDenied();
        _metrics?.Denied(denial.Op);
        lock (_recentGate)
        {
            _recent[_recentNext] = denial;
            _recentNext = (_recentNext + 1) % RecentDenialCapacity;
        }
    }

    public void CountError(string op)
    {
        Interlocked.Increment(ref _errors);
        _metrics?.Failed(op);
    }

    public BrokerCounters Snapshot(int policyRules) => new(
        UptimeSeconds,
        (ulong)Interlocked.Read(ref _requests),
        (ulong)Interlocked.Read(ref _granted),
        (ulong)Interlocked.Read(ref _denied),
        (ulong)Interlocked.Read(ref _errors),
        (ulong)policyRules);

    /// <summary>Rule names with their counters, in ordinal name order.</summary>
    public IReadOnlyList<KeyValuePair<string, RuleCounters>> Rules()
    {
        var rules = _rules.ToArray();
        Array.Sort(rules, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return rules;
    }

    /// <summary>The kept denials, newest first.</summary>
    public IReadOnlyList<RecentDenial> RecentDenials()
    {
        var denials = new List<RecentDenial>(RecentDenialCapacity);
        lock (_recentGate)
        {
            for (int i = 1; i <= RecentDenialCapacity; i++)
            {
                if (_recent[(_recentNext - i + RecentDenialCapacity) % RecentDenialCapacity] is { } denial)
                {
                    denials.Add(denial);
                }
            }
        }

        return denials;
    }

    private RuleCounters Rule(string? ruleId)
    {
        string key = ruleId ?? NoRule;
        if (_rules.TryGetValue(key, out var counters))
        {
            return counters;
        }

        return _rules.Count >= MaxRules ? _rules.GetOrAdd(NoRule, _ => new RuleCounters()) : _rules.GetOrAdd(key, _ => new RuleCounters());
    }
}
