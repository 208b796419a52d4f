using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Privport.Metrics;

/// <summary>Where to serve metrics: <c>ADDRESS:PORT</c>, e.g. <c>127.0.0.1:9464</c> or <c>[::1]:9464</c>.</summary>
internal sealed record MetricsAddress(IPAddress Address, ushort Port)
{
    /// <summary>The host part as HttpListener takes it: IPv6 in brackets.</summary>
    public string Host => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address.ToString();

    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string text, [NotNullWhen(true)] out MetricsAddress? address, [NotNullWhen(false)] out string? problem)
    {
        address = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            problem = $"'{text}' is not ADDRESS:PORT; give e.g. 127.0.0.1:9464 or [::1]:9464";
            return false;
        }

        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var ip))
        {
            problem = $"'{host}' in '{text}' is not an IP address; give e.g. 127.0.0.1:9464 (host names are not resolved)";
            return false;
        }

        if (!ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            problem = $"'{text[(colon + 1)..]}' in '{text}' is not a port from 1 to 65535";
            return false;
        }

        address = new MetricsAddress(ip, port);
        problem = null;
        return true;
    }
}
