using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Privport.Client;

namespace Privport.Kernel;

/// <summary>
/// The question the BPF program answers, asked of a plan in user space (<c>policy test</c>, tests): which entry, if
/// any, lets a process with this uid and gid bind this endpoint. Like the program it cannot see IPV6_V6ONLY or an
/// IPv6 scope id, and looks up an IPv4-mapped address as IPv4.
/// </summary>
internal static class KernelGrantLookup
{
    public static GrantEntry? Find(ImmutableArray<GrantEntry> entries, uint uid, uint gid, PortProtocol protocol, IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var family = address.AddressFamily;
        UInt128 bits = Bits(address);
        bool wildcard = bits == UInt128.Zero;
        foreach (var entry in entries)
        {
            if (entry.Family != family || entry.Protocol != protocol || entry.Port != port || !Covers(entry.Subject, uid, gid))
            {
                continue;
            }

            if (wildcard ? entry.WildcardAddress : !entry.WildcardAddress && (bits & Mask(family, entry.PrefixLength)) == entry.Address)
            {
                return entry;
            }
        }

        return null;
    }

    private static bool Covers(GrantSubject subject, uint uid, uint gid) => subject.Kind switch
    {
        GrantSubjectKind.AnyUser => true,
        GrantSubjectKind.User => subject.Id == uid,
        GrantSubjectKind.Group => subject.Id == gid,
        _ => false,
    };

    private static UInt128 Bits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 Mask(AddressFamily family, int prefixLength)
    {
        int width = family == AddressFamily.InterNetwork ? 32 : 128;
        UInt128 all = family == AddressFamily.InterNetwork ? uint.MaxValue : UInt128.MaxValue;
        return prefixLength == 0 ? UInt128.Zero : all & (all << (width - prefixLength));
    }
}
