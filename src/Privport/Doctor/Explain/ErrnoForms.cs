using System.Text.RegularExpressions;

namespace Privport.Doctor.Explain;

/// <summary>
/// The ways programs name a bind's errno: errno(3) names, Erlang atoms, Rust ErrorKinds and .NET SocketError names,
/// strerror texts in any case (and with underscores, as 3proxy logs them), numbers only where the context says they
/// are an errno (<c>errno=13</c>, <c>[Errno 98]</c>, <c>(13: ...)</c>, <c>os error 99</c>, <c>error(-99)</c>), the
/// programs' own phrases, glibc's translations, and the Windows codes some cross-platform programs print.
/// </summary>
internal static partial class ErrnoForms
{
    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
    private const RegexOptions Caseless = Options | RegexOptions.IgnoreCase;
    private const int TimeoutMs = 1000;

    public static readonly IReadOnlyList<(string Form, int Score, Regex Pattern)> All =
    [
        ("errno name", 50, Names()),
        ("erlang atom", 45, Atoms()),
        ("error kind name", 45, Kinds()),
        ("strerror text", 40, Strerror()),
        ("program phrase", 40, StrongPhrases()),
        ("localized strerror", 35, Localized()),
        ("errno number", 30, Numbers()),
        ("program phrase", 25, WeakPhrases()),
        ("windows error", 15, Windows()),
    ];

    /// <summary>Which errno a match names, from whichever of its groups took part.</summary>
    public static BindErrno? ErrnoOf(Match match)
    {
        ArgumentNullException.ThrowIfNull(match);
        return match.Groups["eacces"].Success ? BindErrno.EACCES
            : match.Groups["inuse"].Success ? BindErrno.EADDRINUSE
            : match.Groups["notavail"].Success ? BindErrno.EADDRNOTAVAIL
            : null;
    }

    [GeneratedRegex(@"\b(?:(?<eacces>EACCES)|(?<inuse>EADDRINUSE)|(?<notavail>EADDRNOTAVAIL))\b", Options, TimeoutMs)]
    private static partial Regex Names();

    [GeneratedRegex(@"(?<!\w)(?:(?<eacces>eacces)|(?<inuse>eaddrinuse)|(?<notavail>eaddrnotavail))\b", Options, TimeoutMs)]
    private static partial Regex Atoms();

    [GeneratedRegex(@"\b(?:(?<eacces>PermissionDenied|AccessDenied)|(?<inuse>AddrInUse|AddressAlreadyInUse)|(?<notavail>AddrNotAvailable|AddressNotAvailable))\b", Options, TimeoutMs)]
    private static partial Regex Kinds();

    [GeneratedRegex(@"(?<eacces>permission[ _]denied)|(?<inuse>addr(?:ess)?[ _](?:already[ _])?in[ _]use)|(?<notavail>(?:cannot|can't|can not)[ _]assign[ _]requested[ _]address|address[ _]not[ _]available)", Caseless, TimeoutMs)]
    private static partial Regex Strerror();

    [GeneratedRegex(@"(?<eacces>cannot expose privileged port)|(?<inuse>port is already allocated|Connection in use|is in use by another program)", Options, TimeoutMs)]
    private static partial Regex StrongPhrases();

    [GeneratedRegex(@"(?<eacces>허가 거부|許可がありません|Keine Berechtigung|Permission non accordée|Permiso denegado|权限不够)|(?<inuse>アドレスは既に使用中です|주소가 이미 사용 중입니다|Die Adresse wird bereits verwendet|Adresse déjà utilisée|La dirección ya se está usando|地址已在使用)|(?<notavail>要求されたアドレスを割り当てできません|Die angeforderte Adresse kann nicht zugewiesen werden)", Options, TimeoutMs)]
    private static partial Regex Localized();

    [GeneratedRegex(@"(?:errno[\s:=]*-?|\[Errno |\bos error |\bcode: |\bOs\(|\berror\s*\(?-|[(\[])(?:(?<eacces>13)|(?<inuse>98)|(?<notavail>99))(?=[)\]:,.\s]|$)", Caseless, TimeoutMs)]
    private static partial Regex Numbers();

    [GeneratedRegex(@"(?<inuse>already in use|in use by another)", Caseless, TimeoutMs)]
    private static partial Regex WeakPhrases();

    [GeneratedRegex(@"(?<eacces>\b10013\b|forbidden by its access permissions)|(?<inuse>\b10048\b|Only one usage of each socket address)|(?<notavail>\b10049\b)", Options, TimeoutMs)]
    private static partial Regex Windows();
}
