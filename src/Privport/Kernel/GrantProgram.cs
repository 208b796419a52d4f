using System.Net.Sockets;
using static Privport.Kernel.BpfOpcode;

namespace Privport.Kernel;

/// <summary>
/// Builds the bind4 or bind6 program of one scope. It reads the bind's address, port and protocol from struct
/// bpf_sock_addr (4-byte loads only: narrower context loads are refused), looks the caller up in the scope's grants
/// map as its uid, then any user, then its gid, and returns 3 (allow without CAP_NET_BIND_SERVICE) on a hit and 1
/// (let the kernel decide) on a miss: never 0, so it can never deny what the kernel would allow. Every hit is sent
/// to the shared events ring; when the ring is full the shared drop counter is incremented instead.
/// </summary>
internal static class GrantProgram
{
    public const int HelperMapLookupElem = 1, HelperGetCurrentPidTgid = 14, HelperGetCurrentUidGid = 15,
        HelperGetCurrentComm = 16, HelperGetCurrentCgroupId = 80, HelperRingbufOutput = 130;

    public const int RingbufNoWakeup = 1;
    public const int ResultAllow = 3, ResultDefault = 1;

    // struct bpf_sock_addr
    private const short UserIp4 = 4, UserIp6 = 8, UserPort = 24, Protocol = 36;

    private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, FP = 10;
    private const short Key = -32, UidGid = -40, DropKey = -44, Event = -112;

    public static IReadOnlyList<BpfInstruction> Build(
        AddressFamily family, int grantsMapFd, int eventsMapFd, int droppedMapFd, uint scopeNumber, bool wakeReader)
    {
        var a = new BpfAssembler();
        a.MovReg(R6, R1);
        for (short offset = Key; offset < 0; offset += 8)
        {
            a.StoreImm(DW, FP, offset, 0);
        }

        a.StoreImm(W, FP, Key, GrantKey.FixedBits + 128);
        a.Load(W, R1, R6, Protocol);
        a.Store(B, FP, Key + GrantKey.ProtocolOffset, R1);
        a.Load(W, R1, R6, UserPort);
        a.ToBigEndian(R1, 16);
        a.Store(H, FP, Key + GrantKey.PortOffset, R1);
        if (family == AddressFamily.InterNetwork)
        {
            EmitAddress4(a);
        }
        else
        {
            EmitAddress6(a);
        }

        var hit = a.NewLabel();
        a.Call(HelperGetCurrentUidGid);
        a.Store(DW, FP, UidGid, R0);
        a.StoreImm(B, FP, Key + GrantKey.KindOffset, (int)GrantSubjectKind.User);
        a.Store(W, FP, Key + GrantKey.IdOffset, R0);
        EmitLookup(a, grantsMapFd, hit);
        a.StoreImm(B, FP, Key + GrantKey.KindOffset, (int)GrantSubjectKind.AnyUser);
        a.StoreImm(W, FP, Key + GrantKey.IdOffset, 0);
        EmitLookup(a, grantsMapFd, hit);
        a.StoreImm(B, FP, Key + GrantKey.KindOffset, (int)GrantSubjectKind.Group);
        a.Load(DW, R1, FP, UidGid);
        a.RshImm(R1, 32);
        a.Store(W, FP, Key + GrantKey.IdOffset, R1);
        EmitLookup(a, grantsMapFd, hit);
        a.MovImm(R0, ResultDefault);
        a.Exit();

        a.Mark(hit);
        EmitEvent(a, eventsMapFd, droppedMapFd, scopeNumber, wakeReader);
        a.MovImm(R0, ResultAllow);
        a.Exit();
        return a.Build();
    }

    private static void EmitAddress4(BpfAssembler a)
    {
        var done = a.NewLabel();
        a.Load(W, R1, R6, UserIp4);
        a.Store(W, FP, Key + GrantKey.AddressOffset, R1);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv4);
        a.JumpIfNotEqualImm(R1, 0, done);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv4Wildcard);
        a.Mark(done);
    }

    private static void EmitAddress6(BpfAssembler a)
    {
        var done = a.NewLabel();
        var notWildcard = a.NewLabel();
        a.Load(W, R1, R6, UserIp6);
        a.Load(W, R2, R6, UserIp6 + 4);
        a.Load(W, R3, R6, UserIp6 + 8);
        a.Load(W, R4, R6, UserIp6 + 12);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv6);
        a.Store(W, FP, Key + GrantKey.AddressOffset, R1);
        a.Store(W, FP, Key + GrantKey.AddressOffset + 4, R2);
        a.Store(W, FP, Key + GrantKey.AddressOffset + 8, R3);
        a.Store(W, FP, Key + GrantKey.AddressOffset + 12, R4);
        a.JumpIfNotEqualImm(R1, 0, done);
        a.JumpIfNotEqualImm(R2, 0, done);
        a.JumpIfNotEqualImm(R3, 0, notWildcard);
        a.JumpIfNotEqualImm(R4, 0, done);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv6Wildcard);
        a.Jump(done);

        // ::ffff:a.b.c.d: bytes 00 00 ff ff read as a little-endian word.
        a.Mark(notWildcard);
        a.JumpIfNotEqualImm32(R3, unchecked((int)0xffff0000), done);
        a.Store(W, FP, Key + GrantKey.AddressOffset, R4);
        a.StoreImm(W, FP, Key + GrantKey.AddressOffset + 4, 0);
        a.StoreImm(W, FP, Key + GrantKey.AddressOffset + 8, 0);
        a.StoreImm(W, FP, Key + GrantKey.AddressOffset + 12, 0);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv4);
        a.JumpIfNotEqualImm(R4, 0, done);
        a.StoreImm(B, FP, Key + GrantKey.ClassOffset, GrantKey.ClassIPv4Wildcard);
        a.Mark(done);
    }

    private static void EmitLookup(BpfAssembler a, int mapFd, BpfLabel hit)
    {
        a.LoadMapFd(R1, mapFd);
        a.MovReg(R2, FP);
        a.AddImm(R2, Key);
        a.Call(HelperMapLookupElem);
        a.JumpIfNotEqualImm(R0, 0, hit);
    }

    private static void EmitEvent(BpfAssembler a, int eventsMapFd, int droppedMapFd, uint scopeNumber, bool wakeReader)
    {
        const short E = Event;
        a.Load(W, R7, R0, 0);
        a.Store(W, FP, E + GrantEventLayout.Rule, R7);
        a.Call(HelperGetCurrentPidTgid);
        a.RshImm(R0, 32);
        a.Store(W, FP, E + GrantEventLayout.Pid, R0);
        a.Load(DW, R1, FP, UidGid);
        a.Store(W, FP, E + GrantEventLayout.Uid, R1);
        a.RshImm(R1, 32);
        a.Store(W, FP, E + GrantEventLayout.Gid, R1);
        a.StoreImm(W, FP, E + GrantEventLayout.Scope, unchecked((int)scopeNumber));
        a.Call(HelperGetCurrentCgroupId);
        a.Store(DW, FP, E + GrantEventLayout.CgroupId, R0);
        a.Load(H, R1, FP, Key + GrantKey.PortOffset);
        a.Store(H, FP, E + GrantEventLayout.Port, R1);
        a.Load(B, R1, FP, Key + GrantKey.ProtocolOffset);
        a.Store(B, FP, E + GrantEventLayout.Protocol, R1);

        var familyDone = a.NewLabel();
        var ipv4 = a.NewLabel();
        a.StoreImm(B, FP, E + GrantEventLayout.Family, (int)AddressFamily.InterNetworkV6);
        a.Load(B, R1, FP, Key + GrantKey.ClassOffset);
        a.JumpIfEqualImm(R1, GrantKey.ClassIPv4, ipv4);
        a.JumpIfEqualImm(R1, GrantKey.ClassIPv4Wildcard, ipv4);
        a.Jump(familyDone);
        a.Mark(ipv4);
        a.StoreImm(B, FP, E + GrantEventLayout.Family, (int)AddressFamily.InterNetwork);
        a.Mark(familyDone);

        for (short i = 0; i < 16; i += 4)
        {
            a.Load(W, R1, FP, (short)(Key + GrantKey.AddressOffset + i));
            a.Store(W, FP, (short)(E + GrantEventLayout.Address + i), R1);
        }

        a.MovReg(R1, FP);
        a.AddImm(R1, E + GrantEventLayout.Comm);
        a.MovImm(R2, GrantEventLayout.CommLength);
        a.Call(HelperGetCurrentComm);

        var sent = a.NewLabel();
        a.LoadMapFd(R1, eventsMapFd);
        a.MovReg(R2, FP);
        a.AddImm(R2, E);
        a.MovImm(R3, GrantEventLayout.Size);
        a.MovImm(R4, wakeReader ? 0 : RingbufNoWakeup);
        a.Call(HelperRingbufOutput);
        a.JumpIfEqualImm(R0, 0, sent);
        a.StoreImm(W, FP, DropKey, 0);
        a.LoadMapFd(R1, droppedMapFd);
        a.MovReg(R2, FP);
        a.AddImm(R2, DropKey);
        a.Call(HelperMapLookupElem);
        a.JumpIfEqualImm(R0, 0, sent);
        a.MovImm(R1, 1);
        a.AtomicAdd64(R0, 0, R1);
        a.Mark(sent);
    }
}
