namespace Privport.Broker;

/// <summary>Grants by a rule, and denials where it was the nearest miss.</summary>
internal sealed class RuleCounters
{
    private long _granted;
    private long _denied;

    public long Granted => Interlocked.Read(ref _granted);

    public long Denied => Interlocked.Read(ref _denied);

    public void CountGranted() => Interlocked.Increment(ref _granted);

    public void CountDenied() => Interlocked.Increment(ref _denied);
}
