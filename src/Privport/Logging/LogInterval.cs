namespace Privport.Logging;

/// <summary>
/// Lets one log line through per interval and counts the ones held back, so an event a client can cause at will
/// (a connection dropped, accept failing for lack of descriptors, a backend down under load) cannot flood the
/// journal. Safe to share between threads; the broker's serving threads and each forwarder loop use it alike.
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
    public bool TryEnter(out long suppressed) => TryEnter(Environment.TickCount64, out suppressed);

    /// <summary>
    /// As <see cref="TryEnter(out long)"/> at <paramref name="nowMilliseconds"/> (a caller's clock, the same for every
    /// call on this instance); <paramref name="note"/> tells of the lines left out, ready to end a log line.
    /// </summary>
    public bool TryEnter(long nowMilliseconds, out string note)
    {
        bool enter = TryEnter(nowMilliseconds, out long suppressed);
        note = enter && suppressed > 0 ? $" ({suppressed} more like it since the last line)" : string.Empty;
        return enter;
    }

    private bool TryEnter(long nowMilliseconds, out long suppressed)
    {
        long next = Volatile.Read(ref _next);
        if (nowMilliseconds >= next && Interlocked.CompareExchange(ref _next, nowMilliseconds + _intervalMilliseconds, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }

        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
