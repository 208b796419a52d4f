using System.Buffers.Binary;

namespace Privport.HostFacts;

/// <summary>
/// A decoded <c>security.capability</c> extended attribute (linux/capability.h, struct vfs_cap_data and
/// vfs_ns_cap_data): revision, the effective bit, the permitted and inheritable sets, and revision 3's namespace root.
/// </summary>
internal sealed record FileCapabilities(int Revision, bool Effective, ulong Permitted, ulong Inheritable, uint? RootId)
{
    public bool Grants(int capability) => (Permitted >> capability & 1) != 0;

    /// <summary>Decodes the attribute's bytes; null when they are not a valid vfs_cap_data.</summary>
    public static FileCapabilities? Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length < 12)
        {
            return null;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(value);
        int revision = (int)(magic >> 24);
        bool effective = (magic & 1) != 0;
        ulong permitted = BinaryPrimitives.ReadUInt32LittleEndian(value[4..]);
        ulong inheritable = BinaryPrimitives.ReadUInt32LittleEndian(value[8..]);
        switch (revision)
        {
            case 1 when value.Length == 12:
                return new FileCapabilities(1, effective, permitted, inheritable, null);
            case 2 when value.Length == 20:
            case 3 when value.Length == 24:
                permitted |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(value[12..]) << 32;
                inheritable |= (ulong)BinaryPrimitives.ReadUInt32LittleEndian(value[16..]) << 32;
                uint? rootId = revision == 3 ? BinaryPrimitives.ReadUInt32LittleEndian(value[20..]) : null;
                return new FileCapabilities(revision, effective, permitted, inheritable, rootId);
            default:
                return null;
        }
    }
}
