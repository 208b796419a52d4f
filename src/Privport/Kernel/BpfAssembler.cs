using static Privport.Kernel.BpfOpcode;

namespace Privport.Kernel;

/// <summary>
/// Emits eBPF instructions with named jump targets; <see cref="Build"/> resolves every jump to its exact offset (the
/// verifier refuses a program whose offsets are off by one slot, and ld_imm64 takes two slots).
/// </summary>
internal sealed class BpfAssembler
{
    private readonly List<BpfInstruction> _code = [];
    private readonly List<(int Index, BpfLabel Label)> _jumps = [];
    private readonly List<int> _marks = [];

    public int Count => _code.Count;

    public BpfLabel NewLabel()
    {
        _marks.Add(-1);
        return new BpfLabel(_marks.Count - 1);
    }

    public void Mark(BpfLabel label)
    {
        if (_marks[label.Id] >= 0)
        {
            throw new InvalidOperationException($"BPF label {label.Id} is placed twice.");
        }

        _marks[label.Id] = _code.Count;
    }

    public void MovImm(byte dst, int imm) => Emit(ALU64 | MOV | K, dst, 0, 0, imm);

    public void MovReg(byte dst, byte src) => Emit(ALU64 | MOV | X, dst, src, 0, 0);

    public void AddImm(byte dst, int imm) => Emit(ALU64 | ADD | K, dst, 0, 0, imm);

    public void AndImm(byte dst, int imm) => Emit(ALU64 | AND | K, dst, 0, 0, imm);

    public void RshImm(byte dst, int imm) => Emit(ALU64 | RSH | K, dst, 0, 0, imm);

    /// <summary>Converts the low <paramref name="bits"/> of <paramref name="dst"/> to big-endian, zeroing the rest.</summary>
    public void ToBigEndian(byte dst, int bits) => Emit(ALU | END | TO_BE, dst, 0, 0, bits);

    public void Load(byte size, byte dst, byte src, short offset) => Emit(LDX | MEM | size, dst, src, offset, 0);

    public void Store(byte size, byte dst, short offset, byte src) => Emit(STX | MEM | size, dst, src, offset, 0);

    public void StoreImm(byte size, byte dst, short offset, int imm) => Emit(ST | MEM | size, dst, 0, offset, imm);

    /// <summary>Atomic 64-bit add of <paramref name="src"/> to memory at <paramref name="dst"/> + offset.</summary>
    public void AtomicAdd64(byte dst, short offset, byte src) => Emit(STX | ATOMIC | DW, dst, src, offset, ADD);

    /// <summary>ld_imm64 with src_reg BPF_PSEUDO_MAP_FD: the loader replaces the fd with the map's address.</summary>
    public void LoadMapFd(byte dst, int mapFd)
    {
        Emit(LD | DW | IMM, dst, PSEUDO_MAP_FD, 0, mapFd);
        Emit(0, 0, 0, 0, 0);
    }

    public void LoadImm64(byte dst, long value)
    {
        Emit(LD | DW | IMM, dst, 0, 0, unchecked((int)value));
        Emit(0, 0, 0, 0, (int)(value >> 32));
    }

    public void Call(int helper) => Emit(JMP | CALL, 0, 0, 0, helper);

    public void Exit() => Emit(JMP | EXIT, 0, 0, 0, 0);

    public void Jump(BpfLabel target) => EmitJump(JMP | JA, 0, 0, 0, target);

    public void JumpIfEqualImm(byte dst, int imm, BpfLabel target) => EmitJump(JMP | JEQ | K, dst, 0, imm, target);

    public void JumpIfNotEqualImm(byte dst, int imm, BpfLabel target) => EmitJump(JMP | JNE | K, dst, 0, imm, target);

    /// <summary>Compares the low 32 bits only: a 64-bit compare would sign-extend an immediate like 0xffff0000.</summary>
    public void JumpIfNotEqualImm32(byte dst, int imm, BpfLabel target) => EmitJump(JMP32 | JNE | K, dst, 0, imm, target);

    public void JumpIfNotEqualReg(byte dst, byte src, BpfLabel target) => EmitJump(JMP | JNE | X, dst, src, 0, target);

    public IReadOnlyList<BpfInstruction> Build()
    {
        var code = new List<BpfInstruction>(_code);
        foreach (var (index, label) in _jumps)
        {
            int target = _marks[label.Id];
            if (target < 0)
            {
                throw new InvalidOperationException($"BPF label {label.Id} is used but never placed.");
            }

            int offset = target - index - 1;
            code[index] = code[index] with { Offset = checked((short)offset) };
        }

        return code;
    }

    private void Emit(int code, byte dst, byte src, short offset, int imm) =>
        _code.Add(new BpfInstruction((byte)code, dst, src, offset, imm));

    private void EmitJump(int code, byte dst, byte src, int imm, BpfLabel target)
    {
        _jumps.Add((_code.Count, target));
        Emit(code, dst, src, 0, imm);
    }
}
