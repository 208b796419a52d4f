using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Privport.Client;

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
        problem = AddressPort.TryParse(text, addressOptional: false, out var ip, out ushort port, out string host, out string portText) switch
        {
            AddressPortProblem.Shape or AddressPortProblem.BracketedAddress => $"'{text}' is not ADDRESS:PORT; give e.g. 127.0.0.1:9464 or [::1]:9464",
            AddressPortProblem.Ipv4Address => $"'{host}' in '{text}' is not an IP address; give e.g. 127.0.0.1:9464 or [::1]:9464 (host names are not resolved)",
            AddressPortProblem.Port => $"'{portText}' in '{text}' is not a port from 1 to 65535",
            _ => null,
        };
        if (problem is not null)
        {
            return false;
        }

        address = new MetricsAddress(ip!, port);
        return true;
    }
}
