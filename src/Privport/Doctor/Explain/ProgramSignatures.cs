using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// How each program's messages give it away, most specific first: Docker's messages quote Go's, Spring Boot's quote
/// Tomcat's, and Deno's Node compatibility layer quotes Node's.
/// </summary>
internal static partial class ProgramSignatures
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;
    private const int TimeoutMs = 1000;

    /// <summary>Programs in the order they are tried, each with its default protocol when the message names none.</summary>
    public static readonly IReadOnlyList<(string Program, string? Protocol, Regex Signature)> All =
    [
        ("rootlesskit", "tcp", Rootless()),
        ("docker", null, Docker()),
        ("caddy", "tcp", Caddy()),
        ("systemd-socket", null, SystemdSocket()),
        ("nginx", "tcp", Nginx()),
        ("apache-httpd", "tcp", Apache()),
        ("haproxy", "tcp", HaProxy()),
        ("spring-boot", "tcp", SpringBoot()),
        ("tomcat", "tcp", Tomcat()),
        ("jetty", "tcp", Jetty()),
        ("netty", "tcp", Netty()),
        ("java", "tcp", Java()),
        ("kestrel", "tcp", Kestrel()),
        ("dotnet", null, DotNet()),
        ("deno", null, Deno()),
        ("node", null, Node()),
        ("uvicorn", "tcp", Uvicorn()),
        ("gunicorn", "tcp", Gunicorn()),
        ("flask-werkzeug", "tcp", Werkzeug()),
        ("python", null, Python()),
        ("puma", "tcp", Puma()),
        ("ruby", "tcp", Ruby()),
        ("php", "tcp", Php()),
        ("erlang", "tcp", Erlang()),
        ("rust", null, Rust()),
        ("postfix", "tcp", Postfix()),
        ("dovecot", "tcp", Dovecot()),
        ("sshd", "tcp", Sshd()),
        ("dnsmasq", null, Dnsmasq()),
        ("redis", "tcp", Redis()),
        ("mysql", "tcp", MySql()),
        ("postgresql", "tcp", Postgres()),
        ("socat", null, Socat()),
        ("squid", "tcp", Squid()),
        ("lighttpd", "tcp", Lighttpd()),
        ("go", null, Go()),
    ];

    [GeneratedRegex(@"RootlessKit|rootlessport|PortManager\.AddPort|cannot expose privileged port", Options, TimeoutMs)]
    private static partial Regex Rootless();

    [GeneratedRegex(@"userland proxy|driver failed programming external connectivity|docker-proxy|port is already allocated|Ports are not available", Options, TimeoutMs)]
    private static partial Regex Docker();

    [GeneratedRegex(@"http app module|\bcaddy\b", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Caddy();

    [GeneratedRegex(@"\.socket: Failed|Failed to create listening socket \(|Failed to listen on sockets", Options, TimeoutMs)]
    private static partial Regex SystemdSocket();

    [GeneratedRegex(@"nginx: \[emerg\]|\[emerg\] \d+#\d+: (?:bind|listen)\(\)|\bnginx\[", Options, TimeoutMs)]
    private static partial Regex Nginx();

    [GeneratedRegex(@"make_sock|\bAH00072\b|\bapache2?ctl\b", Options, TimeoutMs)]
    private static partial Regex Apache();

    [GeneratedRegex(@"cannot bind socket|\bhaproxy\b", Options, TimeoutMs)]
    private static partial Regex HaProxy();

    [GeneratedRegex(@"PortInUseException|APPLICATION FAILED TO START|Web server failed to start|Embedded servlet container|org\.springframework\.boot|\bo\.s\.b\.", Options, TimeoutMs)]
    private static partial Regex SpringBoot();

    [GeneratedRegex(@"org\.apache\.catalina|org\.apache\.coyote|o\.a\.coyote|Http11NioProtocol|ProtocolHandler \[", Options, TimeoutMs)]
    private static partial Regex Tomcat();

    [GeneratedRegex(@"org\.eclipse\.jetty|\boejs\.|\boejx\.|\bjetty\b", Options, TimeoutMs)]
    private static partial Regex Jetty();

    [GeneratedRegex(@"io\.netty|org\.jboss\.netty", Options, TimeoutMs)]
    private static partial Regex Netty();

    [GeneratedRegex(@"java\.net\.|java\.io\.|sun\.nio\.", Options, TimeoutMs)]
    private static partial Regex Java();

    [GeneratedRegex(@"Kestrel|Microsoft\.AspNetCore", Options, TimeoutMs)]
    private static partial Regex Kestrel();

    [GeneratedRegex(@"System\.Net\.Sockets", Options, TimeoutMs)]
    private static partial Regex DotNet();

    [GeneratedRegex(@"\bdeno\b|ext:deno|\bDeno\.", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Deno();

    [GeneratedRegex(@"\b(?:listen|bind) E[A-Z]{4,}\b|node:net|node:events|node_modules|code: 'E[A-Z]+'", Options, TimeoutMs)]
    private static partial Regex Node();

    [GeneratedRegex(@"uvicorn|error while attempting to bind on address", Options, TimeoutMs)]
    private static partial Regex Uvicorn();

    [GeneratedRegex(@"gunicorn|Connection in use: \(", Options, TimeoutMs)]
    private static partial Regex Gunicorn();

    [GeneratedRegex(@"Serving Flask app|werkzeug|is in use by another program", Options, TimeoutMs)]
    private static partial Regex Werkzeug();

    [GeneratedRegex(@"\[Errno \d+\]|socket\.error|socketserver|SocketServer|Traceback \(most recent call last\)|PermissionError:|OSError:|\(\d+, '[A-Z]", Options, TimeoutMs)]
    private static partial Regex Python();

    [GeneratedRegex(@"\bpuma\b", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Puma();

    [GeneratedRegex(@"bind\(2\)|Errno::E[A-Z]+", Options, TimeoutMs)]
    private static partial Regex Ruby();

    [GeneratedRegex(@"Failed to listen on ", Options, TimeoutMs)]
    private static partial Regex Php();

    [GeneratedRegex(@"\branch_|\bcowboy\b|\bCowboy\b|listen_error|[{(]:?error,\s*:?e[a-z]+[})]|:eacces|:eaddrinuse|Kernel pid terminated|init terminating in do_boot", Options, TimeoutMs)]
    private static partial Regex Erlang();

    [GeneratedRegex(@"Os \{ code: \d+|Os\(\d+\)|kind: (?:AddrInUse|PermissionDenied|AddrNotAvailable)|\(os error \d+\)|thread '[^']*' panicked", Options, TimeoutMs)]
    private static partial Regex Rust();

    [GeneratedRegex(@"postfix/", Options, TimeoutMs)]
    private static partial Regex Postfix();

    [GeneratedRegex(@"dovecot|imap-login|pop3-login|Failed to start listeners|\b(?:bind|listen)\([^,()\s]*, \d+\) failed", Options | RegexOptions.IgnoreCase, TimeoutMs)]
    private static partial Regex Dovecot();

    [GeneratedRegex(@"Bind to port \d+ on|Cannot bind any address|\bsshd\b", Options, TimeoutMs)]
    private static partial Regex Sshd();

    [GeneratedRegex(@"dnsmasq", Options, TimeoutMs)]
    private static partial Regex Dnsmasq();

    [GeneratedRegex(@"[Ss]erver TCP listening|\bRedis\b|redis-server", Options, TimeoutMs)]
    private static partial Regex Redis();

    [GeneratedRegex(@"mysqld|Bind on TCP/IP port|\[MY-\d+\]|Failed to create a socket for IPv", Options, TimeoutMs)]
    private static partial Regex MySql();

    [GeneratedRegex(@"postmaster|could not bind IPv[46]|could not create any TCP/IP sockets", Options, TimeoutMs)]
    private static partial Regex Postgres();

    [GeneratedRegex(@"\bsocat\[\d+\]", Options, TimeoutMs)]
    private static partial Regex Socat();

    [GeneratedRegex(@"commBind|\bsquid\b|\bSquid\b", Options, TimeoutMs)]
    private static partial Regex Squid();

    [GeneratedRegex(@"lighttpd|\(network\.c\.\d+\)|can't bind to port", Options, TimeoutMs)]
    private static partial Regex Lighttpd();

    [GeneratedRegex(@"\blisten (?:tcp|udp)[46]? [^\s]*: (?:bind|socket|listen):", Options, TimeoutMs)]
    private static partial Regex Go();
}
