using System.Buffers.Binary;

namespace Privport.HostFacts;

/// <summary>Whether an executable is an ELF file linked statically (no PT_INTERP: no dynamic linker, no LD_PRELOAD).</summary>
internal static class ElfLinkage
{
    private const uint PtInterp = 3;

    /// <returns>True for a static ELF executable; false for a dynamic one or anything that is not ELF (a script).</returns>
    public static bool IsStatic(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[64];
        if (file.Read(header) < 52 || !header[..4].SequenceEqual("\u007fELF"u8))
        {
            return false;
        }

        bool is64 = header[4] == 2;
        ulong tableOffset = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(header[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(header[28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[(is64 ? 54 : 42)..]);
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(header[(is64 ? 56 : 44)..]);
        Span<byte> entry = stackalloc byte[64];
        for (int i = 0; i < entries && entrySize is >= 4 and <= 64; i++)
        {
            file.Position = (long)tableOffset + ((long)i * entrySize);
            if (file.Read(entry[..entrySize]) < 4)
            {
                break;
            }

            if (BinaryPrimitives.ReadUInt32LittleEndian(entry) == PtInterp)
            {
                return false;
            }
        }

        return true;
    }
}
