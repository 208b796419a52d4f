using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>Every place in an excerpt that is shaped like an endpoint, in any of <see cref="EndpointForms"/>.</summary>
internal static class EndpointScanner
{
    public static List<EndpointCandidate> Find(string text)
    {
        var found = new List<EndpointCandidate>();
        foreach (var (form, score, pattern) in EndpointForms.All)
        {
            foreach (Match match in pattern.Matches(text))
            {
                if (!TryPort(match.Groups["port"], out int port) || !TryAddress(form, match.Groups["addr"], out string? address))
                {
                    continue;
                }

                string? protocol = form == "url" && match.Value.StartsWith("udp", StringComparison.OrdinalIgnoreCase) ? "udp" : null;
                found.Add(new EndpointCandidate(address, port, protocol, match.Index, match.Length, form, score));
            }
        }

        return found;
    }

    private static bool TryPort(Group group, out int port) =>
        int.TryParse(group.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    /// <summary>The address as the doctor reports it; false when what stands in the host's place is not an address.</summary>
    private static bool TryAddress(string form, Group group, out string? address)
    {
        address = null;
        if (!group.Success)
        {
            return true;
        }

        string raw = group.Value;
        switch (form)
        {
            case "erlang address tuple":
                string[] parts = raw.Split(',', StringSplitOptions.TrimEntries);
                address = parts.Length == 4 ? string.Join('.', parts)
                    : Array.TrueForAll(parts, p => p.Trim('0').Length == 0) ? "::"
                    : null;
                return true;
            case "[host]:port":
                // OpenVPN's "[undef]:1194", PocketMine's "[address]:19132": a port beside a placeholder.
                address = IPAddress.TryParse(raw.AsSpan(1, raw.Length - 2), out _) ? raw[1..^1] : null;
                return true;
            case "bracketed endpoint" or "erlang listener tuple":
                // HAProxy's [1234:0] is a pid and a thread, not an address.
                if (raw is not ("" or "*" or "::") && !IPAddress.TryParse(raw, out _))
                {
                    return false;
                }

                address = MessageExplainer.NormalizeAddress(raw);
                return true;
            case "ipv4:port" or "address#port":
                if (!IPAddress.TryParse(raw, out _))
                {
                    return false;
                }

                address = raw;
                return true;
            case "port phrase":
                address = raw.Length == 0 ? null : MessageExplainer.NormalizeAddress(raw);
                return true;
            default:
                address = MessageExplainer.NormalizeAddress(raw);
                return true;
        }
    }
}
