using System.Globalization;

namespace Privport.Forwarding;

/// <summary>
/// The bounds of the forwarder's settings and the one grammar for its durations, shared by the command line
/// (<c>--max-conns</c>, <c>--idle-timeout</c>, ...) and forward.toml (<c>max_conns</c>, <c>idle_timeout</c>, ...), so a
/// value one accepts the other accepts too. Each check returns null when the value is fine, else what to write.
/// </summary>
internal static class ForwardLimits
{
    public const long MaxConnections = 10_000_000;
    public const long MaxThreads = 256;
    public static readonly TimeSpan ShortestIdleTimeout = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan LongestIdleTimeout = TimeSpan.FromDays(365);
    public static readonly TimeSpan LongestDrainTimeout = TimeSpan.FromDays(1);

    /// <summary>How a duration is written: seconds (<c>300</c>, <c>1.5</c>) or a number with a unit (<c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>).</summary>
    public const string DurationForms = "seconds (300, 1.5) or a number with a unit (250ms, 30s, 5m, 1h, 1d)";

    public static string? CheckMaxConnections(long value) =>
        value is < 0 or > MaxConnections ? $"is out of range; give 0 (no limit) to {MaxConnections}" : null;

    public static string? CheckThreads(long value) =>
        value is < 0 or > MaxThreads ? $"is out of range; give 1 to {MaxThreads} (0: one per CPU)" : null;

    public static string? CheckIdleTimeout(TimeSpan value) =>
        value < TimeSpan.Zero || value > LongestIdleTimeout || (value > TimeSpan.Zero && value < ShortestIdleTimeout)
            ? "is out of range; give 1ms to 365d (0: TCP connections never time out)"
            : null;

    public static string? CheckDrainTimeout(TimeSpan value) =>
        value < TimeSpan.Zero || value > LongestDrainTimeout ? "is out of range; give 0 to 1d" : null;

    /// <summary>Reads <see cref="DurationForms"/>; false for anything else (signs, exponents, unknown units).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        string trimmed = text.Trim();
        (string number, double unitSeconds) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.Ordinal) => (trimmed[..^2], 0.001),
            _ when trimmed.EndsWith('s') => (trimmed[..^1], 1.0),
            _ when trimmed.EndsWith('m') => (trimmed[..^1], 60.0),
            _ when trimmed.EndsWith('h') => (trimmed[..^1], 3600.0),
            _ when trimmed.EndsWith('d') => (trimmed[..^1], 86_400.0),
            _ => (trimmed, 1.0),
        };
        if (number.Length == 0
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double count)
            || !double.IsFinite(count)
            || count * unitSeconds > LongestIdleTimeout.TotalSeconds * 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(count * unitSeconds);
        return true;
    }
}
