using System.Globalization;

namespace Privport.HostFacts;

/// <summary>The identity and capability lines of /proc/PID/status (proc(5)).</summary>
internal sealed record ProcessStatus(string Name, uint RealUid, uint EffectiveUid, ulong Permitted, ulong Effective, ulong Ambient, ulong Bounding, bool NoNewPrivs)
{
    public const int CapNetBindService = 10;

    public bool HasEffective(int capability) => (Effective >> capability & 1) != 0;

    public bool HasBounding(int capability) => (Bounding >> capability & 1) != 0;

    public bool HasAmbient(int capability) => (Ambient >> capability & 1) != 0;

    /// <summary>Reads /proc/<paramref name="pid"/>/status ("self" for the doctor itself); null when it cannot.</summary>
    public static ProcessStatus? Read(HostRoot root, string pid)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.ReadText($"/proc/{pid}/status") is { } text ? Parse(text) : null;
    }

    public static ProcessStatus? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }

        if (!fields.TryGetValue("Uid", out string? uids) || uids.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries) is not [{ } real, { } effective, ..])
        {
            return null;
        }

        ulong Mask(string key) => fields.TryGetValue(key, out string? hex)
            && ulong.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong value) ? value : 0;

        return new ProcessStatus(
            fields.GetValueOrDefault("Name", "?"),
            uint.Parse(real, CultureInfo.InvariantCulture),
            uint.Parse(effective, CultureInfo.InvariantCulture),
            Mask("CapPrm"),
            Mask("CapEff"),
            Mask("CapAmb"),
            Mask("CapBnd"),
            fields.GetValueOrDefault("NoNewPrivs") == "1");
    }
}
