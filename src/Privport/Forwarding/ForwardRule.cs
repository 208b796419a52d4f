using System.Diagnostics.CodeAnalysis;
using System.Net;
using Privport.Client;

namespace Privport.Forwarding;

/// <summary>One listening endpoint and the backend its connections or datagrams go to.</summary>
internal sealed record ForwardRule(Endpoint Listen, IPEndPoint Target, ProxyProtocolVersion ProxyProtocol)
{
    /// <summary><c>tcp/80 → 127.0.0.1:8080</c>, as log lines name a rule.</summary>
    public string Name { get; } = $"{Listen} -> {Target}";

    /// <summary>Parses <c>ADDRESS:PORT</c> or <c>[IPV6]:PORT</c>; names only, no DNS, so a rule means one address.</summary>
    public static bool TryParseTarget(string text, [NotNullWhen(true)] out IPEndPoint? target, [NotNullWhen(false)] out string? error)
    {
        target = null;
        error = AddressPort.TryParse(text, addressOptional: false, out var parsed, out ushort port, out string addressText, out string portText) switch
        {
            AddressPortProblem.Shape or AddressPortProblem.BracketedAddress => $"target '{text}' is not ADDRESS:PORT; write e.g. 127.0.0.1:8080 or [::1]:8080",
            AddressPortProblem.Ipv4Address => $"target '{text}': '{addressText}' is not an IP address (no host names; put IPv6 addresses in brackets: [::1]:8080)",
            AddressPortProblem.Port => $"target '{text}': port '{portText}' is not a number from 1 to 65535",
            _ => null,
        };
        if (error is not null)
        {
            return false;
        }

        var address = parsed!;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            error = $"target '{text}': {addressText} is a wildcard, not a backend; name the backend's address, e.g. 127.0.0.1:{port}";
            return false;
        }

        target = new IPEndPoint(address, port);
        error = null;
        return true;
    }

    /// <summary>Parses <c>v1</c> or <c>v2</c>.</summary>
    public static bool TryParseProxyProtocol(string text, out ProxyProtocolVersion version)
    {
        version = text switch
        {
            "v1" => ProxyProtocolVersion.V1,
            "v2" => ProxyProtocolVersion.V2,
            _ => ProxyProtocolVersion.None,
        };
        return version != ProxyProtocolVersion.None;
    }

    /// <summary>Checks the combination; null when the rule can run.</summary>
    public static string? Problem(Endpoint listen, ProxyProtocolVersion proxyProtocol) =>
        listen.Protocol == PortProtocol.Udp && proxyProtocol != ProxyProtocolVersion.None
            ? $"{listen}: the PROXY protocol header is sent on TCP connections only; drop proxy_protocol for UDP listeners"
            : null;
}
