using System.Diagnostics.CodeAnalysis;
using System.Globalization;
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

        string rest = text[(slash + 1)..];
        IPAddress address = IPAddress.Any;
        string portText = rest;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf("]:", StringComparison.Ordinal);
            // IPAddress.TryParse would also take a nested "[::1]" or "[::1]:80" and drop the inner port.
            if (close < 0 || rest.AsSpan(1, close - 1).ContainsAny('[', ']')
                || !IPAddress.TryParse(rest[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{text}': an IPv6 endpoint is written [ADDRESS]:PORT, e.g. tcp/[::1]:443";
                return false;
            }

            address = v6;
            portText = rest[(close + 2)..];
        }
        else if (rest.Contains(':', StringComparison.Ordinal))
        {
            int colon = rest.LastIndexOf(':');
            // IPAddress.TryParse takes inet_aton's forms too: "127.1", "2130706433", and "010.0.0.1" read as octal
            // 8.0.0.1. A policy or a bind must mean what it says, so only the canonical dotted-decimal form is taken.
            if (!IPAddress.TryParse(rest[..colon], out var v4) || v4.AddressFamily != AddressFamily.InterNetwork
                || v4.ToString() != rest[..colon])
            {
                error = $"'{text}': '{rest[..colon]}' is not an IPv4 address (put IPv6 addresses in brackets: tcp/[::1]:443)";
                return false;
            }

            address = v4;
            portText = rest[(colon + 1)..];
        }

        if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            error = $"'{text}': port '{portText}' is not a number from 1 to 65535";
            return false;
        }

        endpoint = new Endpoint(protocol, address, port);
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
