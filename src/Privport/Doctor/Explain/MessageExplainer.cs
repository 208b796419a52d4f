using System.Globalization;
using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// Reads a pasted bind-failure message, or a whole log excerpt, into program, protocol, address, port and errno.
/// Endpoints and errnos are gathered over the whole excerpt in every form programs write them (<see cref="EndpointForms"/>,
/// <see cref="ErrnoForms"/>) plus the known programs' own formats, then the pair that belongs together is chosen
/// (<see cref="EvidenceRanking"/>). The program signatures name the program; they are not needed to read the port.
/// What a message does not say stays null.
/// </summary>
internal static class MessageExplainer
{
    // A known program's own wording around the endpoint outranks any generic form.
    private const int ProgramFormatScore = 70;

    private static readonly (string Form, Regex Pattern)[] ProgramFormats =
    [
        ("go format", ExplainPatterns.GoListen()),
        ("docker format", ExplainPatterns.DockerAllocator()),
        ("rootlesskit format", ExplainPatterns.RootlessPort()),
        ("nginx format", ExplainPatterns.Nginx()),
        ("apache format", ExplainPatterns.Apache()),
        ("haproxy format", ExplainPatterns.HaProxy()),
        ("kestrel format", ExplainPatterns.Kestrel()),
        ("node format", ExplainPatterns.Node()),
        ("python asyncio format", ExplainPatterns.PythonAsyncio()),
        ("gunicorn format", ExplainPatterns.Gunicorn()),
        ("ruby format", ExplainPatterns.Ruby()),
        ("php format", ExplainPatterns.Php()),
        ("postfix format", ExplainPatterns.Postfix()),
        ("dovecot format", ExplainPatterns.Dovecot()),
        ("sshd format", ExplainPatterns.Sshd()),
        ("dnsmasq format", ExplainPatterns.Dnsmasq()),
        ("redis format", ExplainPatterns.Redis()),
        ("systemd format", ExplainPatterns.SystemdSocket()),
        ("socat format", ExplainPatterns.Socat()),
        ("squid format", ExplainPatterns.Squid()),
        ("lighttpd format", ExplainPatterns.Lighttpd()),
        ("java format", ExplainPatterns.JavaFailedToBind()),
        ("tomcat format", ExplainPatterns.TomcatNull()),
        ("spring boot format", ExplainPatterns.SpringBootPort()),
        ("tomcat connector format", ExplainPatterns.TomcatConnector()),
        ("werkzeug format", ExplainPatterns.Werkzeug()),
        ("phoenix format", ExplainPatterns.Phoenix()),
        ("postgresql format", ExplainPatterns.Postgres()),
        ("mysql format", ExplainPatterns.MySql()),
        ("node error fields", ExplainPatterns.NodeErrorFields()),
    ];

    public static ExplainedMessage Explain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return ExplainedMessage.Empty;
        }

        var (program, defaultProtocol) = FindProgram(text);
        var lines = new TextLines(text);
        var clues = ErrnoScanner.Find(text);
        var candidates = EndpointScanner.Find(text);
        string? formatAddress = AddProgramFormat(text, candidates);

        var endpoint = EvidenceRanking.ChooseEndpoint(candidates, clues, lines, text);
        var clue = EvidenceRanking.ChooseErrno(clues, endpoint, lines);
        BindErrno? errno = clue?.Errno;
        string? caveat = errno == BindErrno.EADDRINUSE && ExplainPatterns.SpringBootInUseClaim().IsMatch(text)
            ? "Spring Boot reports a failed bind as \"already in use\" whatever the errno (spring-boot#19807, #21101, #47618)"
            : null;
        string? protocol = endpoint?.Protocol ?? ProtocolWord(text) ?? defaultProtocol;
        return new ExplainedMessage(
            program,
            protocol,
            endpoint?.Address ?? formatAddress,
            endpoint?.Port,
            errno,
            caveat,
            endpoint is null ? null : EvidenceAt(text, lines, endpoint.Index, endpoint.Length, endpoint.Form),
            clue is null ? null : EvidenceAt(text, lines, clue.Index, clue.Length, clue.Form));
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

    /// <summary>
    /// Adds the first known program format that gives a port as a candidate; returns the address a format gave
    /// without a port (PostgreSQL and MySQL print the address and the port on different lines).
    /// </summary>
    private static string? AddProgramFormat(string text, List<EndpointCandidate> candidates)
    {
        string? addressOnly = null;
        foreach (var (form, pattern) in ProgramFormats)
        {
            foreach (Match match in pattern.Matches(text))
            {
                string? address = match.Groups["addr"] is { Success: true } a ? NormalizeAddress(a.Value) : null;
                if (match.Groups["port"] is { Success: true } p
                    && int.TryParse(p.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
                {
                    string? protocol = match.Groups["proto"] is { Success: true } proto ? proto.Value
                        : match.Groups["call"] is { Success: true } call ? (call.Value == "bind" ? "udp" : "tcp")
                        : null;
                    candidates.Add(new EndpointCandidate(address ?? addressOnly, port, protocol, match.Index, match.Length, form, ProgramFormatScore));
                    return addressOnly;
                }

                addressOnly ??= address;
            }
        }

        return addressOnly;
    }

    private static Evidence EvidenceAt(string text, TextLines lines, int index, int length, string form) =>
        new(lines.LineOf(index) + 1, lines.ColumnOf(index), text.Substring(index, length), form);

    private static string? ProtocolWord(string text) =>
        ExplainPatterns.UdpWord().IsMatch(text) ? "udp" : ExplainPatterns.TcpWord().IsMatch(text) ? "tcp" : null;

    /// <summary>Brackets removed; every spelling of "all addresses" that is not an address literal becomes <c>*</c>.</summary>
    public static string NormalizeAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
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
