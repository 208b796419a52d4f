using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Privport.Policy;

/// <summary>
/// An address in a rule: a wildcard (<c>0.0.0.0</c>, <c>::</c>), one address (<c>127.0.0.1</c>, <c>fe80::1%eth0</c>) or a
/// prefix (<c>127.0.0.0/8</c>). A wildcard matches only the same wildcard; a prefix matches addresses inside it but
/// never a wildcard, because binding the wildcard takes every address of the host, not just those in the prefix.
/// </summary>
internal sealed class AddressPattern
{
    private readonly UInt128 _network;
    private readonly UInt128 _mask;

    private AddressPattern(string text, AddressFamily family, UInt128 network, int prefixLength, bool isPrefix, long scopeId)
    {
        Text = text;
        Family = family;
        _network = network;
        _mask = Mask(family, prefixLength);
        PrefixLength = prefixLength;
        IsPrefix = isPrefix;
        ScopeId = scopeId;
    }

    /// <summary>As written in the policy.</summary>
    public string Text { get; }

    public AddressFamily Family { get; }

    public int PrefixLength { get; }

    /// <summary>Written with a <c>/</c>: matches specific addresses only.</summary>
    public bool IsPrefix { get; }

    /// <summary>The IPv6 scope (interface index) it is limited to; 0 matches any scope.</summary>
    public long ScopeId { get; }

    public bool IsWildcard => !IsPrefix && _network == UInt128.Zero;

    /// <summary>The network's bits as a big-endian number: an IPv4 pattern in the low 32 bits.</summary>
    public UInt128 Network => _network;

    /// <summary>Whether the pattern covers <paramref name="address"/>, which must not be IPv4-mapped (map it to IPv4 first).</summary>
    public bool Matches(IPAddress address)
    {
        if (address.AddressFamily != Family)
        {
            return false;
        }

        UInt128 value = Bits(address);
        if (value == UInt128.Zero)
        {
            return IsWildcard;
        }

        if (ScopeId != 0 && address.ScopeId != ScopeId)
        {
            return false;
        }

        return (value & _mask) == _network;
    }

    public static bool TryParse(string text, [NotNullWhen(true)] out AddressPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(text, addressText, out var address, out error))
        {
            return false;
        }

        var family = address.AddressFamily;
        int bits = family == AddressFamily.InterNetwork ? 32 : 128;
        int length = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > bits))
        {
            error = $"'{text}': the prefix length must be a number from 0 to {bits}";
            return false;
        }

        long scopeId = family == AddressFamily.InterNetworkV6 ? address.ScopeId : 0;
        if (address.IsIPv4MappedToIPv6)
        {
            if (length < 96)
            {
                error = $"'{text}': an IPv4-mapped prefix must be /96 or longer; write the IPv4 prefix instead";
                return false;
            }

            address = address.MapToIPv4();
            family = AddressFamily.InterNetwork;
            length -= 96;
        }

        UInt128 network = Bits(address);
        if ((network & ~Mask(family, length)) != UInt128.Zero)
        {
            var masked = FromBits(family, network & Mask(family, length));
            error = $"'{text}' has bits set after the prefix; write {masked}/{length.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        pattern = new AddressPattern(text, family, network, length, slash >= 0, scopeId);
        return true;
    }

    public override string ToString() => Text;

    private static bool TryParseAddress(string text, string addressText, [NotNullWhen(true)] out IPAddress? address, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (addressText.StartsWith('['))
        {
            address = null;
            error = $"'{text}': write IPv6 addresses without brackets, e.g. ::1";
            return false;
        }

        // IPAddress also takes inet_aton forms ("10" is 0.0.0.10, "127.1" is 127.0.0.1); a policy must say what it means.
        bool isIPv4 = !addressText.Contains(':', StringComparison.Ordinal);
        if (IPAddress.TryParse(addressText, out address) && (!isIPv4 || address.ToString() == addressText))
        {
            return true;
        }

        address = null;
        error = addressText == "localhost"
            ? $"'{text}' is not an IP address; write 127.0.0.1 and/or ::1"
            : isIPv4 && addressText.Length > 0 && char.IsAsciiDigit(addressText[0])
                ? $"'{text}' is not an IPv4 address in dotted-quad form, e.g. 127.0.0.1 or 127.0.0.0/8"
                : $"'{text}' is not an IP address or prefix; write e.g. 127.0.0.1, ::1, 0.0.0.0, :: or 10.0.0.0/8 (omit addresses to allow any)";
        return false;
    }

    private static UInt128 Bits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static IPAddress FromBits(AddressFamily family, UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
            return new IPAddress(bytes[..4]);
        }

        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private static UInt128 Mask(AddressFamily family, int prefixLength)
    {
        int bits = family == AddressFamily.InterNetwork ? 32 : 128;
        UInt128 all = family == AddressFamily.InterNetwork ? uint.MaxValue : UInt128.MaxValue;
        return prefixLength == 0 ? UInt128.Zero : all & (all << (bits - prefixLength));
    }
}
