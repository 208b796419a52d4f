namespace Privport.Forwarding;

/// <summary>
/// At most one log line per interval for a repeating event (a backend down under load, a flood at the limit), the
/// next line saying how many were left out. Used by one event-loop thread only.
/// </summary>
internal sealed class LogThrottle
{
    private const long IntervalMilliseconds = 1000;
    private long _lastLogged;
    private bool _loggedOnce;
    private int _suppressed;

    /// <summary>True when a line may be written now; <paramref name="note"/> then tells of the ones left out.</summary>
    public bool Allow(long nowMilliseconds, out string note)
    {
        if (_loggedOnce && nowMilliseconds - _lastLogged < IntervalMilliseconds)
        {
            _suppressed++;
            note = string.Empty;
            return false;
        }

        note = _suppressed > 0 ? $" ({_suppressed} more like it since the last line)" : string.Empty;
        _suppressed = 0;
        _lastLogged = nowMilliseconds;
        _loggedOnce = true;
        return true;
    }
}
