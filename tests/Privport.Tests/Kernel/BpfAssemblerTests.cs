using Privport.Kernel;

namespace Privport.Tests.Kernel;

/// <summary>The emitter against encodings from include/uapi/linux/bpf.h and the kernel's BPF selftests.</summary>
public sealed class BpfAssemblerTests
{
    [Fact]
    public void Mov_and_exit_encode_as_the_kernel_defines_them()
    {
        var a = new BpfAssembler();
        a.MovImm(0, 1);
        a.Exit();
        Assert.Equal(
            Convert.FromHexString("b700000001000000" + "9500000000000000"),
            BpfInstruction.Encode(a.Build()));
    }

    [Fact]
    public void Map_fd_load_takes_two_slots_with_pseudo_map_fd_source()
    {
        var a = new BpfAssembler();
        a.LoadMapFd(1, 0xfd);
        Assert.Equal(Convert.FromHexString("18110000fd000000" + "0000000000000000"), BpfInstruction.Encode(a.Build()));
    }

    [Fact]
    public void Memory_byte_swap_and_atomic_instructions_encode_exactly()
    {
        var a = new BpfAssembler();
        a.Store(BpfOpcode.W, 10, -4, 1);   // *(u32 *)(r10 - 4) = r1
        a.Load(BpfOpcode.W, 1, 6, 24);     // r1 = *(u32 *)(r6 + 24)
        a.ToBigEndian(1, 16);              // r1 = be16 r1
        a.StoreImm(BpfOpcode.DW, 10, -8, 0); // *(u64 *)(r10 - 8) = 0
        a.AtomicAdd64(0, 0, 1);            // lock *(u64 *)(r0 + 0) += r1
        a.Call(1);                         // call bpf_map_lookup_elem
        a.MovReg(2, 10);                   // r2 = r10
        a.AddImm(2, -32);                  // r2 += -32
        a.RshImm(0, 32);                   // r0 >>= 32
        Assert.Equal(
            Convert.FromHexString(
                "631afcff00000000" + "6161180000000000" + "dc01000010000000" + "7a0af8ff00000000"
                + "db10000000000000" + "8500000001000000" + "bfa2000000000000" + "07020000e0ffffff" + "7700000020000000"),
            BpfInstruction.Encode(a.Build()));
    }

    [Fact]
    public void Jumps_resolve_to_exact_offsets_across_two_slot_loads()
    {
        var a = new BpfAssembler();
        var end = a.NewLabel();
        var back = a.NewLabel();
        a.Mark(back);
        a.JumpIfNotEqualImm(0, 0, end);      // 0: skips the ld_imm64 (2 slots) and the ja
        a.LoadImm64(1, 0x1_0000_0002);       // 1, 2
        a.Jump(back);                        // 3: back to 0 is -4
        a.Mark(end);
        a.JumpIfNotEqualImm32(3, unchecked((int)0xffff0000), end); // 4: to itself is -1
        var code = a.Build();
        Assert.Equal(3, code[0].Offset);
        Assert.Equal(0x55, code[0].Code);
        Assert.Equal(-4, code[3].Offset);
        Assert.Equal(0x05, code[3].Code);
        Assert.Equal(-1, code[4].Offset);
        Assert.Equal(0x56, code[4].Code);
        Assert.Equal(Convert.FromHexString("1801000002000000" + "0000000001000000"), BpfInstruction.Encode(code).AsSpan(8, 16).ToArray());
    }

    [Fact]
    public void An_unplaced_label_is_an_error_not_a_zero_offset()
    {
        var a = new BpfAssembler();
        a.Jump(a.NewLabel());
        Assert.Throws<InvalidOperationException>(() => a.Build());
    }

    [Fact]
    public void Grant_programs_stay_small_and_end_every_path_in_exit()
    {
        var bind4 = GrantProgram.Build(System.Net.Sockets.AddressFamily.InterNetwork, 3, 4, 5, 1, false);
        var bind6 = GrantProgram.Build(System.Net.Sockets.AddressFamily.InterNetworkV6, 3, 4, 5, 1, false);
        Assert.Equal((99, 117), (bind4.Count, bind6.Count));
        Assert.Equal(0x95, bind4[^1].Code);
        Assert.Equal(0x95, bind6[^1].Code);
    }
}
