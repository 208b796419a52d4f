using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Privport.Client;

/// <summary>
/// A protocol, address and port, written <c>tcp/80</c>, <c>udp/53</c>, <c>tcp/127.0.0.1:80</c> or
/// <c>tcp/[::1]:443</c>. Without an address the endpoint is the IPv4 wildcard 0.0.0.0.
/// </summary>
public readonly record struct Endpoint(PortProtocol Protocol, IPAddress Address, ushort Port)
{
    /// <summary>Parses the endpoint syntax; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Endpoint Parse(string text)
    {
        if (!TryParse(text, out var endpoint, out var error))
        {
            throw new FormatException(error);
        }

        return endpoint;
    }

    /// <summary>Parses the endpoint syntax; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, out Endpoint endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = default;
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"'{text}' is not an endpoint: write PROTOCOL/[ADDRESS:]PORT, e.g. tcp/80 or tcp/127.0.0.1:80";
            return false;
        }

        if (!TryParseProtocol(text[..slash], out var protocol))
        {
            error = $"'{text}': protocol '{text[..slash]}' is not tcp or udp";
            return false;
        }

        error = AddressPort.TryParse(text[(slash + 1)..], addressOptional: true, out var address, out ushort port, out string addressText, out string portText) switch
        {
            AddressPortProblem.BracketedAddress => $"'{text}': an IPv6 endpoint is written [ADDRESS]:PORT, e.g. tcp/[::1]:443",
            AddressPortProblem.Ipv4Address => $"'{text}': '{addressText}' is not an IPv4 address (put IPv6 addresses in brackets: tcp/[::1]:443)",
            AddressPortProblem.Port => $"'{text}': port '{portText}' is not a number from 1 to 65535",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        endpoint = new Endpoint(protocol, address ?? IPAddress.Any, port);
        error = null;
        return true;
    }

    /// <summary>Parses <c>tcp</c> or <c>udp</c>.</summary>
    public static bool TryParseProtocol(string text, out PortProtocol protocol)
    {
        switch (text)
        {
            case "tcp":
                protocol = PortProtocol.Tcp;
                return true;
            case "udp":
                protocol = PortProtocol.Udp;
                return true;
            default:
                protocol = default;
                return false;
        }
    }

    /// <summary>The protocol's name as written in endpoints: <c>tcp</c> or <c>udp</c>.</summary>
    public static string ProtocolName(PortProtocol protocol) => protocol == PortProtocol.Udp ? "udp" : "tcp";

    /// <inheritdoc/>
    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? $"{ProtocolName(Protocol)}/[{Address}]:{Port}"
        : $"{ProtocolName(Protocol)}/{Address}:{Port}";
}
