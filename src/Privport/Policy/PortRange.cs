using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Privport.Client;

namespace Privport.Policy;

/// <summary>A protocol and an inclusive port range, written <c>tcp/80</c> or <c>tcp/8000-8099</c>.</summary>
internal readonly record struct PortRange(PortProtocol Protocol, ushort First, ushort Last)
{
    public bool Contains(PortProtocol protocol, ushort port) => protocol == Protocol && port >= First && port <= Last;

    public static bool TryParse(string text, out PortRange range, [NotNullWhen(false)] out string? error)
    {
        range = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = IsPort(text)
                ? $"'{text}' has no protocol; write \"tcp/{text}\" or \"udp/{text}\""
                : $"'{text}' is not a port; write tcp/PORT, udp/PORT or a range such as tcp/8000-8099";
            return false;
        }

        if (!Endpoint.TryParseProtocol(text[..slash], out var protocol))
        {
            error = $"'{text}': protocol '{text[..slash]}' is not tcp or udp";
            return false;
        }

        string ports = text[(slash + 1)..];
        if (ports.Contains(':', StringComparison.Ordinal))
        {
            error = $"'{text}': ports take no address; write the port alone and list the address under addresses";
            return false;
        }

        int dash = ports.IndexOf('-', StringComparison.Ordinal);
        string firstText = dash < 0 ? ports : ports[..dash];
        string lastText = dash < 0 ? ports : ports[(dash + 1)..];
        if (!TryParsePort(firstText, out ushort first) || !TryParsePort(lastText, out ushort last))
        {
            error = $"'{text}': ports are numbers from 1 to 65535, written tcp/80 or tcp/8000-8099";
            return false;
        }

        if (first > last)
        {
            error = $"'{text}': the range is reversed; write {Endpoint.ProtocolName(protocol)}/{last}-{first}";
            return false;
        }

        range = new PortRange(protocol, first, last);
        error = null;
        return true;
    }

    public override string ToString() => First == Last
        ? string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(Protocol)}/{First}")
        : string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(Protocol)}/{First}-{Last}");

    private static bool IsPort(string text) => TryParsePort(text, out _);

    private static bool TryParsePort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port != 0;
}
