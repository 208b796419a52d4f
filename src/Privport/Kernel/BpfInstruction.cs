using System.Buffers.Binary;

namespace Privport.Kernel;

/// <summary>One 8-byte eBPF instruction (struct bpf_insn): opcode, dst and src registers, offset, immediate.</summary>
internal readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Offset, int Immediate)
{
    public const int Size = 8;

    public void WriteTo(Span<byte> destination)
    {
        destination[0] = Code;
        destination[1] = (byte)((Src << 4) | (Dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Immediate);
    }

    public static byte[] Encode(IReadOnlyList<BpfInstruction> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        byte[] bytes = new byte[program.Count * Size];
        for (int i = 0; i < program.Count; i++)
        {
            program[i].WriteTo(bytes.AsSpan(i * Size, Size));
        }

        return bytes;
    }
}
