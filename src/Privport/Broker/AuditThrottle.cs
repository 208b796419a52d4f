namespace Privport.Broker;

/// <summary>
/// Bounds the audit lines one uid can cause: in each interval, the first <see cref="LinesPerInterval"/> decisions of
/// a uid are written one by one and the rest only counted; when the interval ends the count goes out as one summary
/// line, so the record stays complete (every decision is a line or part of a count) while a flood of denials costs a
/// few kilobytes instead of hundreds of megabytes. Keyed by uid alone, not by identical decisions: a flood varying
/// its port or address would otherwise escape. Root is never throttled; it could fill the disk without the broker.
/// Not thread-safe: <see cref="AuditLog"/> calls it under its lock.
/// </summary>
internal sealed class AuditThrottle
{
    public const int DefaultLinesPerInterval = 50;
    public const int MaxTrackedUids = 4096;
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly Dictionary<uint, Window> _windows = [];
    private readonly List<uint> _ended = [];

    public AuditThrottle(TimeSpan interval, int linesPerInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(linesPerInterval);
        Interval = interval;
        LinesPerInterval = linesPerInterval;
    }

    public TimeSpan Interval { get; }

    public int LinesPerInterval { get; }

    /// <summary>
    /// Whether this decision of <paramref name="uid"/> is written; if not, it is counted. A summary of the uid's
    /// previous interval, if that one ended with decisions counted, is added to <paramref name="due"/> first.
    /// </summary>
    public bool Admit(uint uid, string outcome, string reason, DateTimeOffset now, List<AuditSummary> due)
    {
        if (uid == 0)
        {
            return true;
        }

        if (_windows.TryGetValue(uid, out var window) && now - window.Start >= Interval)
        {
            window.Close(uid, due);
            _windows.Remove(uid);
            window = null;
        }

        if (window is null)
        {
            if (_windows.Count >= MaxTrackedUids)
            {
                // Past this many distinct uids in one interval each is written: accounts are few, memory stays bounded.
                return true;
            }

            window = new Window(now);
            _windows.Add(uid, window);
        }

        if (window.Written < LinesPerInterval)
        {
            window.Written++;
            return true;
        }

        window.Count(outcome, reason, now);
        return false;
    }

    /// <summary>Summaries of every interval that has ended by <paramref name="now"/>, whose uids are then forgotten.</summary>
    public void CollectEnded(DateTimeOffset now, List<AuditSummary> due)
    {
        _ended.Clear();
        foreach (var (uid, window) in _windows)
        {
            if (now - window.Start >= Interval)
            {
                window.Close(uid, due);
                _ended.Add(uid);
            }
        }

        foreach (uint uid in _ended)
        {
            _windows.Remove(uid);
        }
    }

    /// <summary>Summaries of every open interval with decisions counted, as at shutdown.</summary>
    public void CollectAll(List<AuditSummary> due)
    {
        foreach (var (uid, window) in _windows)
        {
            window.Close(uid, due);
        }

        _windows.Clear();
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Written { get; set; }

        private long _suppressed;
        private long _denied;
        private long _allowed;
        private long _errors;
        private DateTimeOffset _last;
        private string _lastReason = "";

        public void Count(string outcome, string reason, DateTimeOffset now)
        {
            _suppressed++;
            switch (outcome)
            {
                case "deny":
                    _denied++;
                    break;
                case "allow":
                    _allowed++;
                    break;
                default:
                    _errors++;
                    break;
            }

            _last = now;
            _lastReason = reason;
        }

        public void Close(uint uid, List<AuditSummary> due)
        {
            if (_suppressed > 0)
            {
                due.Add(new AuditSummary(_last, uid, Start, Written, _suppressed, _denied, _allowed, _errors, _lastReason));
            }
        }
    }
}
