using System.Globalization;
using System.Text.RegularExpressions;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>An AVC record denying <c>name_bind</c> on a port.</summary>
internal sealed record NameBindDenial(string Line, string? Command, int Port, string? SourceType, string? TargetType, string? SocketClass, bool Permissive);

/// <summary>
/// SELinux as it bears on a bind: the mode (/sys/fs/selinux/enforce, as libselinux reads it), the types
/// <c>semanage port -l</c> gives the port, and <c>name_bind</c> denials for it in the audit log.
/// </summary>
internal sealed partial record SelinuxFacts(string Mode, IReadOnlyList<string> PortTypes, bool PortTypesKnown, IReadOnlyList<NameBindDenial> Denials)
{
    public const string AuditLog = "/var/log/audit/audit.log";

    public bool Enforcing => Mode == "enforcing";

    public static SelinuxFacts Probe(HostRoot root, IHostCommands commands, string protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(commands);
        string? enforce = root.ReadFirstLine("/sys/fs/selinux/enforce") ?? root.ReadFirstLine("/selinux/enforce");
        string mode = enforce switch { "1" => "enforcing", "0" => "permissive", _ => "disabled" };
        if (mode == "disabled")
        {
            return new SelinuxFacts(mode, [], false, []);
        }

        string? listing = commands.Run("semanage", "port", "-l", "-n");
        var types = listing is null ? [] : PortTypesOf(listing, protocol, port);
        var denials = FindDenials(root.ReadTail(AuditLog) ?? "", port);
        return new SelinuxFacts(mode, types, listing is not null, denials);
    }

    /// <summary>The types whose <c>semanage port -l</c> line lists the port (single ports or lo-hi ranges).</summary>
    public static IReadOnlyList<string> PortTypesOf(string listing, string protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var types = new List<string>();
        foreach (string line in listing.Split('\n'))
        {
            string[] fields = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[1] != protocol)
            {
                continue;
            }

            foreach (string item in fields[2].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                string[] range = item.Split('-');
                if (int.TryParse(range[0], CultureInfo.InvariantCulture, out int low)
                    && int.TryParse(range[^1], CultureInfo.InvariantCulture, out int high) && port >= low && port <= high)
                {
                    types.Add(fields[0]);
                    break;
                }
            }
        }

        return types;
    }

    public static IReadOnlyList<NameBindDenial> FindDenials(string log, int port)
    {
        ArgumentNullException.ThrowIfNull(log);
        var denials = new List<NameBindDenial>();
        foreach (Match match in NameBind().Matches(log))
        {
            if (!int.TryParse(match.Groups["port"].ValueSpan, CultureInfo.InvariantCulture, out int denied) || denied != port)
            {
                continue;
            }

            string line = match.Value.Trim();
            denials.Add(new NameBindDenial(
                line,
                Field(Comm(), line),
                denied,
                Field(SourceType(), line),
                Field(TargetType(), line),
                Field(SocketClass(), line),
                Field(PermissiveFlag(), line) == "1"));
        }

        return denials;
    }

    private static string? Field(Regex pattern, string line) => pattern.Match(line) is { Success: true } m ? m.Groups["v"].Value : null;

    [GeneratedRegex(@"^.*avc:\s+denied\s+\{ name_bind \}.*\bsrc=(?<port>\d+).*$", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex NameBind();

    [GeneratedRegex(@"\bcomm=""?(?<v>[^"" ]+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Comm();

    [GeneratedRegex(@"\bscontext=[^:\s]*:[^:\s]*:(?<v>[a-z0-9_]+_t)\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SourceType();

    [GeneratedRegex(@"\btcontext=[^:\s]*:[^:\s]*:(?<v>[a-z0-9_]+_t)\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TargetType();

    [GeneratedRegex(@"\btclass=(?<v>[a-z_]+)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SocketClass();

    [GeneratedRegex(@"\bpermissive=(?<v>[01])", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex PermissiveFlag();
}
