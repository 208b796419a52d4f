using System.Text.RegularExpressions;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>NAT rules already redirecting the port, from <c>nft list ruleset</c> and <c>iptables-save -t nat</c> (read only).</summary>
internal sealed partial record RedirectFacts(IReadOnlyList<string> Rules, bool Listed)
{
    public static RedirectFacts Probe(IHostCommands commands, int port)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var rules = new List<string>();
        bool listed = false;
        foreach (string? output in new[] { commands.Run("nft", "list", "ruleset"), commands.Run("iptables-save", "-t", "nat") })
        {
            if (output is null)
            {
                continue;
            }

            listed = true;
            rules.AddRange(Matching(output, port));
        }

        return new RedirectFacts(rules, listed);
    }

    public static IEnumerable<string> Matching(string listing, int port)
    {
        ArgumentNullException.ThrowIfNull(listing);
        string portText = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string raw in listing.Split('\n'))
        {
            string line = raw.Trim();
            if (Redirect().IsMatch(line) && DestinationPort().Match(line) is { Success: true } m && m.Groups["port"].Value == portText)
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex(@"\b(?:redirect|REDIRECT|dnat|DNAT)\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Redirect();

    [GeneratedRegex(@"(?:--dport|dport) (?<port>\d+)\b", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex DestinationPort();
}
