using System.Globalization;

namespace Privport.Policy;

/// <summary>A uid or gid named in a rule, with the name it was written as (null when written as a number).</summary>
internal readonly record struct AccountId(uint Id, string? Name)
{
    /// <summary>(uid_t)-1 and (gid_t)-1 mean "no change" to setresuid and chown; no account has them.</summary>
    public const uint Invalid = uint.MaxValue;

    public static bool TryParseNumber(string text, out uint id) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != Invalid;

    public override string ToString() => Name is null
        ? Id.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Name} ({Id})");
}
