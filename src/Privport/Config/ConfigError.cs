using System.Globalization;

namespace Privport.Config;

/// <summary>
/// A problem in a policy file: where (line and column from 1; line 0 when it concerns the whole file), which field,
/// and what to write instead.
/// </summary>
internal sealed record ConfigError(string File, int Line, int? Column, string Field, string Message)
{
    /// <summary><c>FILE:LINE: FIELD: MESSAGE</c>, as compilers print errors, so editors can jump to them.</summary>
    public override string ToString() => Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}: {Field}: {Message}")
        : $"{File}: {Field}: {Message}";
}
