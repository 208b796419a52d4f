using System.Buffers.Binary;
using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>A UDP client (address and port) on one listener, built from the sender's sockaddr without allocating.</summary>
internal readonly record struct UdpFlowKey(int Listener, ulong High, ulong Low, ushort Port)
{
    public static UdpFlowKey From(int listener, ReadOnlySpan<byte> sockaddr)
    {
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        if (BitConverter.ToUInt16(sockaddr) == Privport.Interop.Interop.Libc.AF_INET6)
        {
            return new UdpFlowKey(listener, BinaryPrimitives.ReadUInt64BigEndian(sockaddr[8..]), BinaryPrimitives.ReadUInt64BigEndian(sockaddr[16..]), port);
        }

        // As ::ffff:a.b.c.d, so one client has one key whichever family its socket reports.
        return new UdpFlowKey(listener, 0, 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..]), port);
    }
}
