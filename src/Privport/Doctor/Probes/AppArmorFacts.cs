using System.Text.RegularExpressions;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>An AppArmor DENIED record about binding or about net_bind_service.</summary>
internal sealed record AppArmorDenial(string Line, string? Profile, string? Command, string? Operation);

/// <summary>
/// AppArmor as it bears on a bind: whether the module is enabled (/sys/module/apparmor/parameters/enabled) and
/// DENIED records for <c>capability net_bind_service</c> or an inet bind in the kernel and audit logs.
/// </summary>
internal sealed partial record AppArmorFacts(bool Enabled, IReadOnlyList<AppArmorDenial> Denials)
{
    private static readonly string[] Logs = ["/var/log/audit/audit.log", "/var/log/kern.log", "/var/log/syslog", "/var/log/messages"];

    public static AppArmorFacts Probe(HostRoot root, string? program)
    {
        ArgumentNullException.ThrowIfNull(root);
        bool enabled = root.ReadFirstLine("/sys/module/apparmor/parameters/enabled") == "Y";
        var denials = new List<AppArmorDenial>();
        foreach (string log in Logs)
        {
            if (root.ReadTail(log) is { } text)
            {
                denials.AddRange(FindDenials(text, program));
            }
        }

        return new AppArmorFacts(enabled, denials);
    }

    /// <summary>Denials of net_bind_service or of an inet/inet6 bind; only those of <paramref name="command"/> when given.</summary>
    public static IEnumerable<AppArmorDenial> FindDenials(string log, string? command)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (Match match in Denied().Matches(log))
        {
            string line = match.Value.Trim();
            string? operation = Field(Operation(), line);
            bool relevant = line.Contains("capname=\"net_bind_service\"", StringComparison.Ordinal)
                || (operation is "bind" or "create" && InetFamily().IsMatch(line));
            string? comm = Field(Comm(), line);
            if (relevant && (command is null || comm is null || comm == command))
            {
                yield return new AppArmorDenial(line, Field(Profile(), line), comm, operation);
            }
        }
    }

    private static string? Field(Regex pattern, string line) => pattern.Match(line) is { Success: true } m ? m.Groups["v"].Value : null;

    [GeneratedRegex(@"^.*apparmor=""DENIED"".*$", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Denied();

    [GeneratedRegex(@"\boperation=""(?<v>[^""]*)""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Operation();

    [GeneratedRegex(@"\bprofile=""(?<v>[^""]*)""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Profile();

    [GeneratedRegex(@"\bcomm=""(?<v>[^""]*)""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Comm();

    [GeneratedRegex(@"\bfamily=""inet6?""", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex InetFamily();
}
