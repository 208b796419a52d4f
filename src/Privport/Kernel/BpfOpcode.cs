namespace Privport.Kernel;

/// <summary>eBPF opcode parts (include/uapi/linux/bpf_common.h and bpf.h): class, size, mode, operation, source.</summary>
internal static class BpfOpcode
{
    public const byte LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
    public const byte W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
    public const byte IMM = 0x00, MEM = 0x60, ATOMIC = 0xc0;
    public const byte K = 0x00, X = 0x08;
    public const byte ADD = 0x00, AND = 0x50, RSH = 0x70, MOV = 0xb0, END = 0xd0, TO_BE = 0x08;
    public const byte JA = 0x00, JEQ = 0x10, JNE = 0x50, CALL = 0x80, EXIT = 0x90;
    public const byte PSEUDO_MAP_FD = 1;
}
