using System.Buffers.Binary;
using System.Net.Sockets;

namespace Privport.Kernel;

/// <summary>
/// The LPM-trie key of a grants map: a 4-byte prefix length, then 12 fixed bytes (subject kind, address class,
/// protocol, 0, subject id, port, 0, 0) always matched in full, then 16 address bytes in network order matched for
/// the entry's prefix length. Wildcard binds have their own class, so no address prefix can ever match them.
/// </summary>
internal static class GrantKey
{
    public const int Size = 32;
    public const int FixedBits = 96;
    public const int KindOffset = 4, ClassOffset = 5, ProtocolOffset = 6, IdOffset = 8, PortOffset = 12, AddressOffset = 16;

    public const byte ClassIPv4 = 1, ClassIPv6 = 2, ClassIPv4Wildcard = 3, ClassIPv6Wildcard = 4;

    public static byte[] Encode(GrantEntry entry)
    {
        byte[] key = new byte[Size];
        bool v4 = entry.Family == AddressFamily.InterNetwork;
        int prefix = FixedBits;
        key[KindOffset] = (byte)entry.Subject.Kind;
        key[ClassOffset] = entry.WildcardAddress ? (v4 ? ClassIPv4Wildcard : ClassIPv6Wildcard) : (v4 ? ClassIPv4 : ClassIPv6);
        key[ProtocolOffset] = (byte)entry.Protocol;
        BinaryPrimitives.WriteUInt32LittleEndian(key.AsSpan(IdOffset), entry.Subject.Kind == GrantSubjectKind.AnyUser ? 0 : entry.Subject.Id);
        BinaryPrimitives.WriteUInt16LittleEndian(key.AsSpan(PortOffset), entry.Port);
        if (!entry.WildcardAddress)
        {
            int maxBits = v4 ? 32 : 128;
            if (entry.PrefixLength > maxBits)
            {
                throw new ArgumentException($"grant prefix /{entry.PrefixLength} is longer than a {entry.Family} address", nameof(entry));
            }

            if (v4)
            {
                BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(AddressOffset), (uint)entry.Address);
            }
            else
            {
                BinaryPrimitives.WriteUInt128BigEndian(key.AsSpan(AddressOffset), entry.Address);
            }

            prefix += entry.PrefixLength;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(key, (uint)prefix);
        return key;
    }
}
