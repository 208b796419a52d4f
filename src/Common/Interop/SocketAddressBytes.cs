using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
namespace Privport.Interop;

/// <summary>Between <see cref="IPEndPoint"/> and the raw sockaddr_in / sockaddr_in6 bytes the system calls take.</summary>
internal static class SocketAddressBytes
{
    /// <summary>Room for a sockaddr_in6, the larger of the two.</summary>
    public const int MaxLength = 28;

    public static byte[] From(IPEndPoint endpoint)
    {
        var address = endpoint.Serialize();
        return address.Buffer.Span[..address.Size].ToArray();
    }

    /// <summary>The endpoint a sockaddr describes; null for anything but AF_INET and AF_INET6.</summary>
    public static IPEndPoint? ToEndPoint(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 8)
        {
            return null;
        }

        int family = BitConverter.ToUInt16(raw);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
        if (family == Interop.Libc.AF_INET)
        {
            return new IPEndPoint(new IPAddress(raw.Slice(4, 4)), port);
        }

        if (family == Interop.Libc.AF_INET6 && raw.Length >= 24)
        {
            return new IPEndPoint(new IPAddress(raw.Slice(8, 16)), port);
        }

        return null;
    }

    public static int Family(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? Interop.Libc.AF_INET6 : Interop.Libc.AF_INET;
}
