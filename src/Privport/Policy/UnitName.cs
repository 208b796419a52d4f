namespace Privport.Policy;

/// <summary>
/// The systemd unit name grammar (systemd.unit(5), <c>unit_name_is_valid</c>), limited to the unit types that run
/// processes in a cgroup of their own, where <c>BPFProgram=</c> can attach.
/// </summary>
internal static class UnitName
{
    /// <summary>UNIT_NAME_MAX is 256 with the terminating NUL.</summary>
    public const int MaxLength = 255;

    private static readonly string[] CgroupSuffixes = [".service", ".scope", ".slice", ".socket", ".mount", ".swap"];

    private static readonly string[] OtherSuffixes = [".target", ".timer", ".path", ".device", ".automount"];

    /// <summary>Null when <paramref name="name"/> is a unit privport can grant in; otherwise what is wrong and what to write.</summary>
    public static string? Problem(string name)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return $"'{name}' is not a unit name: it must be 1 to {MaxLength} characters, e.g. caddy.service";
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not (':' or '-' or '_' or '.' or '\\' or '@'))
            {
                return $"'{name}' is not a unit name: only ASCII letters, digits and : - _ . \\ @ are allowed (systemd-escape escapes the rest)";
            }
        }

        int dot = name.LastIndexOf('.');
        string suffix = dot < 0 ? string.Empty : name[dot..];
        if (Array.IndexOf(OtherSuffixes, suffix) >= 0)
        {
            return $"'{name}' runs no processes of its own, so no program binds in its cgroup; name the .service it starts instead";
        }

        if (Array.IndexOf(CgroupSuffixes, suffix) < 0)
        {
            return dot < 0
                ? $"'{name}' has no unit type; did you mean {name}.service?"
                : $"'{name}' does not end in a unit type that runs processes; use {string.Join(", ", CgroupSuffixes)}, e.g. {name[..dot]}.service";
        }

        string prefix = name[..dot];
        int at = prefix.IndexOf('@', StringComparison.Ordinal);
        if (prefix.Length == 0 || at == 0 || (at > 0 && prefix.IndexOf('@', at + 1) >= 0))
        {
            return $"'{name}' is not a unit name: write NAME{suffix} or NAME@INSTANCE{suffix}";
        }

        if (at == prefix.Length - 1)
        {
            return $"'{name}' is a template, which has no cgroup; name an instance, e.g. {prefix}INSTANCE{suffix}";
        }

        return null;
    }
}
