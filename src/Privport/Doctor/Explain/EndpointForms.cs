using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// The ways programs write an endpoint, whatever the program: URLs, <c>host:port</c> with an address-shaped host,
/// bracketed endpoints, Python and Erlang tuples, keyword lists, <c>port N</c> phrases and ntpd's <c>addr#port</c>.
/// Each form is shaped so that what is not a port does not fit it: a host must look like an address (an IP literal,
/// <c>localhost</c>, <c>*</c>, or nothing after a space or quote), so <c>main.go:26</c>, <c>server.rs:72:25</c>,
/// <c>09:55:40</c> and <c>[379:0]</c> are never read; a number followed by <c>:digit</c> is a line and column.
/// </summary>
internal static partial class EndpointForms
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
    private const int TimeoutMs = 1000;

    // A port is not followed by more digits, a dot (a version or a decimal) or ":digit" (line:column).
    private const string PortEnd = @"(?![\d.]|:\d)";
    private const string Ipv4 = @"\d{1,3}(?:\.\d{1,3}){3}";
    private const string Ipv6 = @"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}";

    /// <summary>Each form with its name and how strongly it alone says "this endpoint failed".</summary>
    public static readonly IReadOnlyList<(string Form, int Score, Regex Pattern)> All =
    [
        ("url", 55, Url()),
        ("bracketed endpoint", 55, Bracketed()),
        ("python tuple", 55, PythonTuple()),
        ("erlang listener tuple", 55, ErlangListener()),
        ("erlang address tuple", 50, ErlangAddressTuple()),
        ("ipv4:port", 50, Ipv4AndPort()),
        ("[host]:port", 50, BracketedHost()),
        ("address#port", 45, AddressHashPort()),
        ("[::]-less ipv6 :::port", 45, BareIpv6Any()),
        ("named host:port", 45, NamedHost()),
        ("port phrase", 40, PortPhrase()),
        ("port keyword", 40, PortKeyword()),
        (":port", 40, EmptyHost()),
    ];

    // Only a URL that spells its port: a URL without one in a log is usually a link (documentation, a module
    // import such as https://deno.land/std/http/server.ts:303:25), not the address that failed, so the scheme's
    // default port is not assumed.
    [GeneratedRegex(@"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://(?<addr>\[[0-9A-Fa-f:.]+\]|[^\s/:'""\[\]@<>]*):(?<port>\d{1,5})" + PortEnd, Options, TimeoutMs)]
    private static partial Regex Url();

    [GeneratedRegex(@"\[(?<addr>[0-9A-Fa-f.:*]*):(?<port>\d{1,5})\]", Options, TimeoutMs)]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"\(\s*'(?<addr>[^'\n]*)'\s*,\s*(?<port>\d{1,5})\b", Options, TimeoutMs)]
    private static partial Regex PythonTuple();

    [GeneratedRegex(@"""(?<addr>[0-9A-Fa-f.:*]*)""\s*,\s*(?<port>\d{1,5})\s*,\s*'?e[a-z]+", Options, TimeoutMs)]
    private static partial Regex ErlangListener();

    [GeneratedRegex(@"\{(?<addr>\d{1,3}(?:,\s*\d{1,3}){3}|[0-9a-fA-F]{1,4}(?:,\s*[0-9a-fA-F]{1,4}){7})\}\s*,\s*(?<port>\d{1,5})\b", Options, TimeoutMs)]
    private static partial Regex ErlangAddressTuple();

    [GeneratedRegex(@"(?<![\w.:])(?<addr>" + Ipv4 + @"):(?<port>\d{1,5})" + PortEnd, Options, TimeoutMs)]
    private static partial Regex Ipv4AndPort();

    [GeneratedRegex(@"(?<addr>\[[^\]\s]{0,64}\]):(?<port>\d{1,5})" + PortEnd, Options, TimeoutMs)]
    private static partial Regex BracketedHost();

    [GeneratedRegex(@"(?<![\w.:])(?<addr>" + Ipv4 + "|" + Ipv6 + @")#(?<port>\d{1,5})\b", Options, TimeoutMs)]
    private static partial Regex AddressHashPort();

    [GeneratedRegex(@"(?<![\w:])(?<addr>::):(?<port>\d{1,5})" + PortEnd, Options, TimeoutMs)]
    private static partial Regex BareIpv6Any();

    [GeneratedRegex(@"(?<![\w.:-])(?<addr>localhost|\*|\+|<null>):(?<port>\d{1,5})" + PortEnd, Options, TimeoutMs)]
    private static partial Regex NamedHost();

    [GeneratedRegex(@"(?:""?(?<addr>" + Ipv4 + "|" + Ipv6 + @")""?,?\s+)?\bport\s+(?<port>\d{1,5})\b", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex PortPhrase();

    [GeneratedRegex(@"(?<![\w-])(?:port""?\s*[:=]\s*|\{port,\s*|sin_port=htons\()(?<port>\d{1,5})\b", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex PortKeyword();

    // Go's ":80", Varnish's ":80", QEMU's "listen=:2001": an empty host after a space, '=', '(', ',' or an
    // opening quote; never after a word (a JSON key such as "code":13 or a time such as 18:19).
    [GeneratedRegex(@"(?<=^|[\s=(,']|[\s:=(,\[]"")(?<addr>):(?<port>\d{1,5})" + PortEnd, Options | RegexOptions.Multiline, TimeoutMs)]
    private static partial Regex EmptyHost();
}
