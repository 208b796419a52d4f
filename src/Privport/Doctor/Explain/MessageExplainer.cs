using System.Globalization;
using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// Reads a pasted bind-failure message, or a whole log excerpt, into program, protocol, address, port and errno.
/// Formats are matched by their own wording, most specific first; what a message does not say stays null.
/// </summary>
internal static class MessageExplainer
{
    private static readonly Regex[] Locations =
    [
        ExplainPatterns.GoListen(),
        ExplainPatterns.DockerAllocator(),
        ExplainPatterns.RootlessPort(),
        ExplainPatterns.Nginx(),
        ExplainPatterns.Apache(),
        ExplainPatterns.HaProxy(),
        ExplainPatterns.Kestrel(),
        ExplainPatterns.Node(),
        ExplainPatterns.PythonAsyncio(),
        ExplainPatterns.Gunicorn(),
        ExplainPatterns.Ruby(),
        ExplainPatterns.Php(),
        ExplainPatterns.Postfix(),
        ExplainPatterns.Dovecot(),
        ExplainPatterns.Sshd(),
        ExplainPatterns.Dnsmasq(),
        ExplainPatterns.Redis(),
        ExplainPatterns.SystemdSocket(),
        ExplainPatterns.Socat(),
        ExplainPatterns.Squid(),
        ExplainPatterns.Lighttpd(),
        ExplainPatterns.JavaFailedToBind(),
        ExplainPatterns.TomcatNull(),
        ExplainPatterns.SpringBootPort(),
        ExplainPatterns.TomcatConnector(),
        ExplainPatterns.Werkzeug(),
        ExplainPatterns.Phoenix(),
        ExplainPatterns.Postgres(),
        ExplainPatterns.MySql(),
        ExplainPatterns.NodeErrorFields(),
    ];

    private static readonly (BindErrno Errno, Regex Pattern)[] Errnos =
    [
        (BindErrno.EACCES, ExplainPatterns.Eacces()),
        (BindErrno.EADDRINUSE, ExplainPatterns.Eaddrinuse()),
        (BindErrno.EADDRNOTAVAIL, ExplainPatterns.Eaddrnotavail()),
    ];

    public static ExplainedMessage Explain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return ExplainedMessage.Empty;
        }

        var (program, defaultProtocol) = FindProgram(text);
        var location = FindLocation(text);
        var errno = FindErrno(text, location.LineStart, location.LineEnd);
        string? caveat = errno == BindErrno.EADDRINUSE && ExplainPatterns.SpringBootInUseClaim().IsMatch(text)
            ? "Spring Boot reports a failed bind as \"already in use\" whatever the errno (spring-boot#19807, #21101, #47618)"
            : null;
        string? protocol = location.Protocol ?? ProtocolWord(text) ?? defaultProtocol;
        return new ExplainedMessage(program, protocol, location.Address, location.Port, errno, caveat);
    }

    private static (string? Program, string? Protocol) FindProgram(string text)
    {
        foreach (var (program, protocol, signature) in ProgramSignatures.All)
        {
            if (signature.IsMatch(text))
            {
                return (program, protocol);
            }
        }

        return (null, null);
    }

    private static Location FindLocation(string text)
    {
        Location? partial = null;
        foreach (var pattern in Locations)
        {
            foreach (Match match in pattern.Matches(text))
            {
                var found = Location.From(text, match);
                if (found.Port is not null)
                {
                    // A format that printed the address in one line and the port in another (PostgreSQL, MySQL).
                    return found.Address is null && partial?.Address is { } address ? found with { Address = address } : found;
                }

                partial ??= found;
            }
        }

        if (partial is not null)
        {
            return partial;
        }

        // Only IP literals on a line that names the failure: never a timestamp, a pid or a stack frame.
        int start = 0;
        foreach (string line in text.Split('\n'))
        {
            if (Errnos.Any(e => e.Pattern.IsMatch(line)) && ExplainPatterns.IpLiteralAndPort().Match(line) is { Success: true } literal)
            {
                return Location.From(text, literal) with { LineStart = start, LineEnd = start + line.Length };
            }

            start += line.Length + 1;
        }

        return new Location(null, null, null, 0, text.Length);
    }

    private static BindErrno? FindErrno(string text, int lineStart, int lineEnd)
    {
        BindErrno? first = null;
        int firstAt = int.MaxValue;
        BindErrno? onLine = null;
        int onLineAt = int.MaxValue;
        foreach (var (errno, pattern) in Errnos)
        {
            foreach (Match match in pattern.Matches(text))
            {
                if (match.Index < firstAt)
                {
                    (first, firstAt) = (errno, match.Index);
                }

                if (match.Index >= lineStart && match.Index < lineEnd && match.Index < onLineAt)
                {
                    (onLine, onLineAt) = (errno, match.Index);
                }
            }
        }

        return onLine ?? first;
    }

    private static string? ProtocolWord(string text) =>
        ExplainPatterns.UdpWord().IsMatch(text) ? "udp" : ExplainPatterns.TcpWord().IsMatch(text) ? "tcp" : null;

    private sealed record Location(string? Address, int? Port, string? Protocol, int LineStart, int LineEnd)
    {
        public static Location From(string text, Match match)
        {
            int? port = match.Groups["port"] is { Success: true } p
                && int.TryParse(p.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number is > 0 and <= 65535
                ? number
                : null;
            string? address = match.Groups["addr"] is { Success: true } a ? NormalizeAddress(a.Value) : null;
            string? protocol = match.Groups["proto"] is { Success: true } proto ? proto.Value
                : match.Groups["call"] is { Success: true } call ? (call.Value == "bind" ? "udp" : "tcp")
                : null;
            int lineStart = text.LastIndexOf('\n', match.Index) + 1;
            int lineEnd = text.IndexOf('\n', match.Index);
            return new Location(address, port, protocol, lineStart, lineEnd < 0 ? text.Length : lineEnd);
        }
    }

    /// <summary>Brackets removed; every spelling of "all addresses" that is not an address literal becomes <c>*</c>.</summary>
    public static string NormalizeAddress(string address)
    {
        string trimmed = address.Trim();
        if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
        {
            trimmed = trimmed[1..^1];
        }

        return trimmed switch
        {
            "" or "*" or "+" or "<null>" => "*",
            "::0" => "::",
            _ => trimmed,
        };
    }
}
