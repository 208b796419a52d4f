using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// The message formats the doctor reads, one source-generated regex each. Locations are anchored on each program's own
/// wording (nginx's <c>bind() to</c>, Apache's <c>make_sock</c>, Go's <c>listen tcp</c>, ...) so that timestamps, pids
/// and stack-trace frames such as Node's <c>(node:net:1872:16)</c> are never read as an address and a port.
/// </summary>
internal static partial class ExplainPatterns
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
    private const RegexOptions Caseless = Options | RegexOptions.IgnoreCase;
    private const int TimeoutMs = 1000;

    // An address as programs print it before ":PORT": bracketed IPv6, or anything without spaces, brackets or colons.
    private const string Host = @"(?<addr>\[[^\]\n]*\]|[^\s\[\]:'""(),/]*)";

    [GeneratedRegex(@"cannot expose privileged port (?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex RootlessPort();

    [GeneratedRegex(@"\blisten (?<proto>tcp|udp)[46]? " + Host + @":(?<port>\d+): ", Options, TimeoutMs)]
    internal static partial Regex GoListen();

    [GeneratedRegex(@"\bBind for " + Host + @":(?<port>\d+)(?: failed|:)", Options, TimeoutMs)]
    internal static partial Regex DockerAllocator();

    [GeneratedRegex(@"\bbind\(\) to " + Host + @":(?<port>\d+) failed", Options, TimeoutMs)]
    internal static partial Regex Nginx();

    [GeneratedRegex(@"could not bind to address " + Host + @":(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex Apache();

    [GeneratedRegex(@"cannot bind socket[^\[\n]*\[(?<addr>[^\]\n]*):(?<port>\d+)\]", Options, TimeoutMs)]
    internal static partial Regex HaProxy();

    [GeneratedRegex(@"Failed to bind to address (?:[a-z]+://)?" + Host + @":(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex Kestrel();

    [GeneratedRegex(@"\b(?<call>listen|bind) E[A-Z]+(?::[a-z ]+?)? (?<addr>[0-9A-Fa-f.:]*):(?<port>\d+)\b", Options, TimeoutMs)]
    internal static partial Regex Node();

    [GeneratedRegex(@"\baddress: '(?<addr>[^']*)',\s*port: (?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex NodeErrorFields();

    [GeneratedRegex(@"bind on address \('(?<addr>[^']*)', (?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex PythonAsyncio();

    [GeneratedRegex(@"(?:Connection in use|Can't connect to): \('(?<addr>[^']*)', (?<port>\d+)\)", Options, TimeoutMs)]
    internal static partial Regex Gunicorn();

    [GeneratedRegex(@"bind\(2\) for (?:""(?<addr>[^""]*)"" port (?<port>\d+)|" + Host + @":(?<port>\d+))", Options, TimeoutMs)]
    internal static partial Regex Ruby();

    [GeneratedRegex(@"Failed to listen on ""?(?:tcp://)?" + Host + @":(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex Php();

    [GeneratedRegex(@"\bbind (?<addr>[0-9A-Fa-f.:]+) port (?<port>\d+):", Options, TimeoutMs)]
    internal static partial Regex Postfix();

    // bind() always names the address; only Dovecot 1.x's listen(143) gives the port alone, so "bind(7)" (a descriptor) is not read.
    [GeneratedRegex(@"\bbind\((?<addr>[^,()\s]*), (?<port>\d+)\) failed|\blisten\((?:(?<addr>[^,()\s]*), )?(?<port>\d+)\) failed", Options, TimeoutMs)]
    internal static partial Regex Dovecot();

    [GeneratedRegex(@"Bind to port (?<port>\d+) on (?<addr>\S+?) failed", Options, TimeoutMs)]
    internal static partial Regex Sshd();

    [GeneratedRegex(@"failed to create listening socket for (?:port (?<port>\d+)|(?<addr>[0-9A-Fa-f.:]+):)", Options, TimeoutMs)]
    internal static partial Regex Dnsmasq();

    [GeneratedRegex(@"(?:Could not create|Creating) [Ss]erver TCP listening (?:listening )?socket (?<addr>\S+):(?<port>\d+):", Options, TimeoutMs)]
    internal static partial Regex Redis();

    [GeneratedRegex(@"Failed to create listening socket \(" + Host + @":(?<port>\d+)\)", Options, TimeoutMs)]
    internal static partial Regex SystemdSocket();

    [GeneratedRegex(@"\bbind\(\d+, \{AF=\d+ " + Host + @":(?<port>\d+)\}", Options, TimeoutMs)]
    internal static partial Regex Socat();

    [GeneratedRegex(@"commBind:? Cannot bind socket FD \d+ to " + Host + @"(?::(?<port>\d+))?:", Options, TimeoutMs)]
    internal static partial Regex Squid();

    [GeneratedRegex(@"can't bind to (?:socket: " + Host + @":|port: ?)(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex Lighttpd();

    [GeneratedRegex(@"Failed to bind to:? (?:[^\s/]*/)?" + Host + @":(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex JavaFailedToBind();

    [GeneratedRegex(@"(?<addr><null>):(?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex TomcatNull();

    [GeneratedRegex(@"\bPort (?<port>\d+) (?:was|is) already in use|listen on port (?<port>\d+) failed to start", Options, TimeoutMs)]
    internal static partial Regex SpringBootPort();

    [GeneratedRegex(@"\[""?(?:http|https|ajp)-(?:[a-z0-9]+-)*?(?<port>\d+)""?\]|Connector\[(?:HTTP|AJP)/1\.[13]-(?<port>\d+)\]", Caseless, TimeoutMs)]
    internal static partial Regex TomcatConnector();

    [GeneratedRegex(@"\bPort (?<port>\d+) is in use by another program", Options, TimeoutMs)]
    internal static partial Regex Werkzeug();

    [GeneratedRegex(@"with Cowboy on (?:https?://" + Host + @":(?<port>\d+)|port (?<port>\d+))", Options, TimeoutMs)]
    internal static partial Regex Phoenix();

    [GeneratedRegex(@"could not bind IPv[46] address ""(?<addr>[^""]*)""|already running on port (?<port>\d+)", Options, TimeoutMs)]
    internal static partial Regex Postgres();

    [GeneratedRegex(@"another mysqld server running on port: (?<port>\d+)|Failed to create a socket for IPv[46] '(?<addr>[^']*)'", Options, TimeoutMs)]
    internal static partial Regex MySql();

    [GeneratedRegex(@"PortInUseException|Web server failed to start\. Port \d+ was already in use|Embedded servlet container failed to start|connector configured to listen on port \d+ failed to start", Options, TimeoutMs)]
    internal static partial Regex SpringBootInUseClaim();

    [GeneratedRegex(@"\budp[46]?\b|tclass=udp_socket|ListenDatagram", Caseless, TimeoutMs)]
    internal static partial Regex UdpWord();

    [GeneratedRegex(@"\btcp[46]?\b|TCP/IP|tcp_socket|TCP listening|\bhttps?://|ListenStream", Caseless, TimeoutMs)]
    internal static partial Regex TcpWord();
}
