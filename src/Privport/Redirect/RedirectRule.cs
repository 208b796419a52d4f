using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Privport.Client;

namespace Privport.Redirect;

/// <summary>
/// One kernel redirect: packets for <see cref="Port"/> on this host (or on <see cref="Address"/> only) go to
/// <see cref="TargetPort"/> instead. Its nftables comment is its identity, so privport finds its own rules again.
/// </summary>
internal sealed record RedirectRule(PortProtocol Protocol, ushort Port, ushort TargetPort, IPAddress? Address)
{
    private const string CommentPrefix = "privport ";

    /// <summary><c>tcp/80 -> 8080</c>, with <c> on ADDRESS</c> when limited to one address.</summary>
    public override string ToString() =>
        $"{Endpoint.ProtocolName(Protocol)}/{Port} -> {TargetPort}" + (Address is null ? string.Empty : $" on {Address}");

    /// <summary>The rule's nftables comment: <c>privport tcp/80 8080</c> or <c>privport tcp/80 8080 192.0.2.1</c>.</summary>
    public string Comment => CommentPrefix + string.Create(CultureInfo.InvariantCulture,
        $"{Endpoint.ProtocolName(Protocol)}/{Port} {TargetPort}") + (Address is null ? string.Empty : $" {Address}");

    /// <summary>The nftables rule body (match and statement) up to the comment.</summary>
    public string Expression
    {
        get
        {
            string destination = Address switch
            {
                null => "fib daddr type local",
                { AddressFamily: AddressFamily.InterNetworkV6 } v6 => $"ip6 daddr {v6}",
                var v4 => $"ip daddr {v4}",
            };
            return string.Create(CultureInfo.InvariantCulture, $"{destination} {Endpoint.ProtocolName(Protocol)} dport {Port} redirect to :{TargetPort}");
        }
    }

    /// <summary>Parses <c>[tcp|udp/]PORT TARGET_PORT</c> and an optional address.</summary>
    public static bool TryParse(string portText, string targetText, string? addressText, [NotNullWhen(true)] out RedirectRule? rule, [NotNullWhen(false)] out string? error)
    {
        rule = null;
        var protocol = PortProtocol.Tcp;
        string port = portText;
        int slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!Endpoint.TryParseProtocol(portText[..slash], out protocol))
            {
                error = $"'{portText}': protocol '{portText[..slash]}' is not tcp or udp";
                return false;
            }

            port = portText[(slash + 1)..];
        }

        if (!TryPort(port, out ushort from))
        {
            error = $"'{portText}' is not [tcp|udp/]PORT with PORT from 1 to 65535, e.g. tcp/80";
            return false;
        }

        if (!TryPort(targetText, out ushort to))
        {
            error = $"target port '{targetText}' is not a number from 1 to 65535";
            return false;
        }

        if (from == to)
        {
            error = $"{portText} redirected to {targetText} is the same port; give the port the service listens on";
            return false;
        }

        IPAddress? address = null;
        if (addressText is not null && (!IPAddress.TryParse(addressText, out address)
            || (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != addressText)))
        {
            error = $"--address '{addressText}' is not an IPv4 or IPv6 address";
            return false;
        }

        rule = new RedirectRule(protocol, from, to, address);
        error = null;
        return true;
    }

    /// <summary>The rule a privport comment stands for; null for comments privport did not write.</summary>
    public static RedirectRule? FromComment(string comment)
    {
        if (!comment.StartsWith(CommentPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = comment[CommentPrefix.Length..].Split(' ');
        return parts.Length is 2 or 3 && TryParse(parts[0], parts[1], parts.Length == 3 ? parts[2] : null, out var rule, out _) ? rule : null;
    }

    private static bool TryPort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port > 0;
}
