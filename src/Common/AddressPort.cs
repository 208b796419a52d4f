using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Privport.Client;

/// <summary>
/// <c>ADDRESS:PORT</c> as privport writes it everywhere (endpoints, forward targets, --metrics): a canonical
/// dotted-decimal IPv4 address or an IPv6 address in brackets, then a port from 1 to 65535. Each caller words its own
/// errors from the <see cref="AddressPortProblem"/> and the parts it names.
/// </summary>
internal static class AddressPort
{
    /// <summary>
    /// Parses <paramref name="text"/>; with <paramref name="addressOptional"/> a bare port is taken too and
    /// <paramref name="address"/> is then null. <paramref name="addressText"/> and <paramref name="portText"/> are the
    /// parts as written, for messages.
    /// </summary>
    public static AddressPortProblem TryParse(string text, bool addressOptional, out IPAddress? address, out ushort port, out string addressText, out string portText)
    {
        address = null;
        port = 0;
        addressText = string.Empty;
        portText = text;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf("]:", StringComparison.Ordinal);
            // IPAddress.TryParse would also take a nested "[::1]" or "[::1]:80" and drop the inner port.
            if (close < 0 || text.AsSpan(1, close - 1).ContainsAny('[', ']')
                || !IPAddress.TryParse(text[1..close], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return AddressPortProblem.BracketedAddress;
            }

            (address, addressText, portText) = (v6, text[1..close], text[(close + 2)..]);
        }
        else if (text.Contains(':', StringComparison.Ordinal))
        {
            int colon = text.LastIndexOf(':');
            (addressText, portText) = (text[..colon], text[(colon + 1)..]);

            // IPAddress.TryParse takes inet_aton's forms too: "127.1", "2130706433", and "010.0.0.1" read as octal
            // 8.0.0.1. An address must mean what it says, so only the canonical dotted-decimal form is taken.
            if (!IPAddress.TryParse(addressText, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || v4.ToString() != addressText)
            {
                return AddressPortProblem.Ipv4Address;
            }

            address = v4;
        }
        else if (!addressOptional)
        {
            return AddressPortProblem.Shape;
        }

        return ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port != 0
            ? AddressPortProblem.None
            : AddressPortProblem.Port;
    }
}
