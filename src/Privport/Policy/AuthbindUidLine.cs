using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Privport.Policy;

/// <summary>
/// One line of an authbind byuid file: <c>ADDRMIN[-ADDRMAX],PORTMIN[-PORTMAX]</c>, <c>ADDR[/LEN],PORTMIN[-PORTMAX]</c>
/// or <c>A.B.C.D/LEN:PORTMIN,PORTMAX</c> (authbind-helper(8)).
/// </summary>
internal sealed record AuthbindUidLine(IPAddress FirstAddress, IPAddress LastAddress, int FirstPort, int LastPort)
{
    public static AuthbindUidLine? TryParse(string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        int slash = line.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && colon > slash && line.IndexOf(',', StringComparison.Ordinal) > colon)
        {
            // The IPv4-only form: A.B.C.D/LEN:PORTMIN,PORTMAX.
            var parts = line[(colon + 1)..].Split(',');
            return parts.Length == 2 && Prefix(line[..colon]) is { } v4 && v4.First.AddressFamily == AddressFamily.InterNetwork
                ? Ports(v4.First, v4.Last, parts[0], parts[1])
                : null;
        }

        int comma = line.LastIndexOf(',');
        if (comma <= 0)
        {
            return null;
        }

        string addressPart = line[..comma];
        string portPart = line[(comma + 1)..];
        int dash = portPart.IndexOf('-', StringComparison.Ordinal);
        string firstPort = dash < 0 ? portPart : portPart[..dash];
        string lastPort = dash < 0 ? portPart : portPart[(dash + 1)..];
        if (addressPart.Contains('/', StringComparison.Ordinal))
        {
            return Prefix(addressPart) is { } range ? Ports(range.First, range.Last, firstPort, lastPort) : null;
        }

        int addressDash = addressPart.IndexOf('-', StringComparison.Ordinal);
        string firstAddress = addressDash < 0 ? addressPart : addressPart[..addressDash];
        string lastAddress = addressDash < 0 ? addressPart : addressPart[(addressDash + 1)..];
        return IPAddress.TryParse(firstAddress, out var first) && IPAddress.TryParse(lastAddress, out var last)
            && first.AddressFamily == last.AddressFamily && AddressRange.Compare(first, last) <= 0
            ? Ports(first, last, firstPort, lastPort)
            : null;
    }

    private static (IPAddress First, IPAddress Last)? Prefix(string text)
    {
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int length))
        {
            return null;
        }

        return AddressRange.OfPrefix(address, length);
    }

    private static AuthbindUidLine? Ports(IPAddress first, IPAddress last, string firstText, string lastText) =>
        int.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out int firstPort)
        && int.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out int lastPort)
        && firstPort is > 0 and <= 65535 && lastPort >= firstPort && lastPort <= 65535
            ? new AuthbindUidLine(first, last, firstPort, lastPort)
            : null;
}
