using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Privport.Client;
using Privport.Interop;

namespace Privport.Policy;

/// <summary>
/// Deny reasons that name the nearest miss and what to change. They travel in the reply's 192-byte reason field,
/// so each is cut to <see cref="MaxBytes"/> bytes of UTF-8.
/// </summary>
internal static class DenyReason
{
    public const int MaxBytes = 180;

    private const int MaxListed = 3;

    public static string NoRule(Endpoint endpoint, uint uid, string? userName) => Fit(userName is null
        ? string.Create(CultureInfo.InvariantCulture, $"no rule allows {endpoint} (uid {uid})")
        : string.Create(CultureInfo.InvariantCulture, $"no rule allows {endpoint} (uid {uid}, {userName})"));

    public static string NotForUser(PolicyRule rule, Endpoint endpoint, uint uid, string? userName) =>
        Fit($"{rule.Label} covers {PortText(endpoint)} but not {Peer(uid, userName)}");

    public static string NotInGroups(PolicyRule rule, Endpoint endpoint, uint uid, string? userName) =>
        Fit($"{rule.Label} covers {PortText(endpoint)} only for members of {List(rule.Groups, g => g.ToString())}; {Peer(uid, userName)} is not one");

    public static string NotOnAddress(PolicyRule rule, Endpoint endpoint) =>
        Fit($"{rule.Label} allows {PortText(endpoint)} only on {List(rule.Addresses, a => a.Text)}, not on {endpoint.Address}; add \"{endpoint.Address}\" to its addresses");

    /// <summary>A peer showing a rule's path but another file is told so: the name alone never matches.</summary>
    public static string NotForExecutable(PolicyRule rule, Endpoint endpoint, string? executable, FileIdentity? file) =>
        Fit($"{rule.Label} allows {PortText(endpoint)} only for {List(rule.Executables, e => e.Written)}; "
            + (executable is null || file is null ? "the peer's executable could not be read"
                : NamesRulePath(rule, executable) ? $"the peer runs another file ({file}) under the name {executable}"
                : $"the peer runs {executable}"));

    /// <summary>Only the kernel grants a rule naming units or cgroups, to processes in them; the broker never does.</summary>
    public static string KernelOnly(PolicyRule rule, Endpoint endpoint) =>
        Fit($"{rule.Label} grants {PortText(endpoint)} only in the kernel, to {rule.KernelScopeText}; run the program there");

    /// <summary>A <c>::</c> bind without IPV6_V6ONLY also takes 0.0.0.0, which no rule allows.</summary>
    public static string MissingIPv4Half(PolicyRule rule, Endpoint endpoint) =>
        Fit($"{rule.Label} allows {endpoint} but not the 0.0.0.0:{endpoint.Port.ToString(CultureInfo.InvariantCulture)} a dual-stack bind also takes; set IPV6_V6ONLY or allow \"0.0.0.0\"");

    /// <summary>OPEN sockets all belong to the broker's uid, so SO_REUSEPORT on one would join any other user's group.</summary>
    public static string ReusePortNotOptedIn(PolicyRule rule, Endpoint endpoint) =>
        Fit($"{rule.Label} allows {endpoint} but not SO_REUSEPORT on OPEN (the broker's sockets share one uid); add reuseport = true to the rule, or send your own socket (BIND)");

    /// <summary>The peer connected from another network namespace; an OPEN socket would be one of the broker's.</summary>
    public static string OtherNetworkNamespaceNotOptedIn(PolicyRule rule, Endpoint endpoint) =>
        Fit($"{rule.Label} allows {endpoint}, but OPEN from another network namespace than the broker's needs any_network_namespace = true in the rule");

    /// <summary>
    /// Cuts <paramref name="reason"/> to <see cref="MaxBytes"/> bytes of UTF-8 on a character boundary, and replaces
    /// control characters: a peer names its own executable, and a file name may hold terminal escapes or newlines.
    /// </summary>
    public static string Fit(string reason)
    {
        if (reason.AsSpan().ContainsAnyInRange('\0', '\x1f') || reason.AsSpan().ContainsAnyInRange('\x7f', '\x9f'))
        {
            reason = string.Create(reason.Length, reason, static (span, source) =>
            {
                for (int i = 0; i < source.Length; i++)
                {
                    span[i] = char.IsControl(source[i]) ? '?' : source[i];
                }
            });
        }

        if (Encoding.UTF8.GetByteCount(reason) <= MaxBytes)
        {
            return reason;
        }

        const string ellipsis = "...";
        int length = 0;
        int bytes = 0;
        foreach (var rune in reason.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxBytes - ellipsis.Length)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }

        return string.Concat(reason.AsSpan(0, length), ellipsis);
    }

    private static bool NamesRulePath(PolicyRule rule, string executable)
    {
        foreach (var path in rule.Executables)
        {
            if (executable == path.Written || executable == path.Resolved)
            {
                return true;
            }
        }

        return false;
    }

    private static string Peer(uint uid, string? userName) => userName is null
        ? string.Create(CultureInfo.InvariantCulture, $"uid {uid}")
        : string.Create(CultureInfo.InvariantCulture, $"uid {uid} ({userName})");

    private static string PortText(Endpoint endpoint) =>
        string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(endpoint.Protocol)}/{endpoint.Port}");

    private static string List<T>(ImmutableArray<T> items, Func<T, string> text)
    {
        var list = new StringBuilder();
        for (int i = 0; i < items.Length && i < MaxListed; i++)
        {
            list.Append(i == 0 ? string.Empty : ", ").Append(text(items[i]));
        }

        if (items.Length > MaxListed)
        {
            list.Append(CultureInfo.InvariantCulture, $" (+{items.Length - MaxListed} more)");
        }

        return list.ToString();
    }
}
