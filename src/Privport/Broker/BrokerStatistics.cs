using Privport.Client;

namespace Privport.Broker;

/// <summary>Counters the STATUS op reports; updated from every connection at once.</summary>
internal sealed class BrokerStatistics
{
    private readonly long _startedTicks = Environment.TickCount64;
    private long _requests;
    private long _granted;
    private long _denied;
    private long _errors;

    public void CountRequest() => Interlocked.Increment(ref _requests);

    public void CountGranted() => Interlocked.Increment(ref _granted);

    public void CountDenied() => Interlocked.Increment(ref _denied);

    public void CountError() => Interlocked.Increment(ref _errors);

    public BrokerCounters Snapshot(int policyRules) => new(
        (ulong)((Environment.TickCount64 - _startedTicks) / 1000),
        (ulong)Interlocked.Read(ref _requests),
        (ulong)Interlocked.Read(ref _granted),
        (ulong)Interlocked.Read(ref _denied),
        (ulong)Interlocked.Read(ref _errors),
        (ulong)policyRules);
}
