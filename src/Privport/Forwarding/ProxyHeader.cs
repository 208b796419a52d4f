using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Privport.Forwarding;

/// <summary>
/// The PROXY protocol header (haproxy.org/download/2.9/doc/proxy-protocol.txt) that tells the backend who the client
/// really is: version 1, one text line; version 2, a binary block. Both describe a TCP connection over IPv4 or IPv6.
/// </summary>
internal static class ProxyHeader
{
    /// <summary>Room for the longest header: a v1 TCP6 line is at most 104 bytes, a v2 IPv6 block 52.</summary>
    public const int MaxLength = 108;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>Writes the header for a connection from <paramref name="source"/> to <paramref name="destination"/>; returns its length.</summary>
    public static int Write(ProxyProtocolVersion version, IPEndPoint source, IPEndPoint destination, Span<byte> into)
    {
        var (from, to) = SameFamily(source.Address, destination.Address);
        return version switch
        {
            ProxyProtocolVersion.V1 => WriteV1(from, (ushort)source.Port, to, (ushort)destination.Port, into),
            ProxyProtocolVersion.V2 => WriteV2(from, (ushort)source.Port, to, (ushort)destination.Port, into),
            _ => 0,
        };
    }

    private static int WriteV1(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, Span<byte> into)
    {
        string family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        string line = string.Create(CultureInfo.InvariantCulture, $"PROXY {family} {source} {destination} {sourcePort} {destinationPort}\r\n");
        return Encoding.ASCII.GetBytes(line, into);
    }

    private static int WriteV2(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, Span<byte> into)
    {
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        int blockLength = (2 * addressLength) + 4;
        V2Signature.CopyTo(into);

        // Version 2, command PROXY; then address family (1 INET, 2 INET6) and transport (1 STREAM).
        into[12] = 0x21;
        into[13] = v4 ? (byte)0x11 : (byte)0x21;
        BinaryPrimitives.WriteUInt16BigEndian(into[14..], (ushort)blockLength);
        source.TryWriteBytes(into.Slice(16, addressLength), out _);
        destination.TryWriteBytes(into.Slice(16 + addressLength, addressLength), out _);
        BinaryPrimitives.WriteUInt16BigEndian(into[(16 + (2 * addressLength))..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(into[(18 + (2 * addressLength))..], destinationPort);
        return 16 + blockLength;
    }

    // A dual-stack listener on [::] sees IPv4 clients as ::ffff:a.b.c.d; the backend should see the IPv4 address.
    private static (IPAddress Source, IPAddress Destination) SameFamily(IPAddress source, IPAddress destination)
    {
        if (source.IsIPv4MappedToIPv6 && destination.IsIPv4MappedToIPv6)
        {
            return (source.MapToIPv4(), destination.MapToIPv4());
        }

        if (source.AddressFamily != destination.AddressFamily)
        {
            return (source.MapToIPv6(), destination.MapToIPv6());
        }

        return (source, destination);
    }
}
