namespace Privport.Broker;

/// <summary>
/// Lets one log line through per interval and counts the ones held back, so an event a client can cause at will
/// (a connection dropped, accept failing for lack of descriptors) cannot flood the journal.
/// </summary>
internal sealed class LogInterval
{
    private readonly long _intervalMilliseconds;
    private long _next;
    private long _suppressed;

    public LogInterval(TimeSpan interval)
    {
        _intervalMilliseconds = (long)interval.TotalMilliseconds;
    }

    /// <summary>True when this occurrence should be logged; <paramref name="suppressed"/> is how many were not since.</summary>
    public bool TryEnter(out long suppressed)
    {
        long now = Environment.TickCount64;
        long next = Volatile.Read(ref _next);
        if (now >= next && Interlocked.CompareExchange(ref _next, now + _intervalMilliseconds, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
