namespace Privport.Protocol;

/// <summary>Sizes, magic numbers and offsets of native/include/privport_protocol.h, version 1.</summary>
internal static class WireFormat
{
    public const uint RequestMagic = 0x51525050;
    public const uint ReplyMagic = 0x50525050;
    public const ushort ProtocolVersion = 1;

    public const int RequestSize = 64;
    public const int ReplySize = 256;

    public const int RequestOffsetMagic = 0;
    public const int RequestOffsetVersion = 4;
    public const int RequestOffsetOp = 6;
    public const int RequestOffsetProtocol = 8;
    public const int RequestOffsetFamily = 9;
    public const int RequestOffsetPort = 10;
    public const int RequestOffsetFlags = 12;
    public const int RequestOffsetAddress = 16;
    public const int RequestOffsetScopeId = 32;
    public const int RequestOffsetReserved = 36;

    public const int ReplyOffsetMagic = 0;
    public const int ReplyOffsetVersion = 4;
    public const int ReplyOffsetOp = 6;
    public const int ReplyOffsetStatus = 8;
    public const int ReplyOffsetPort = 12;
    public const int ReplyOffsetDecision = 14;
    public const int ReplyOffsetCounters = 16;
    public const int ReplyOffsetReason = 64;
    public const int ReasonSize = 192;
    public const int CounterCount = 6;

    /// <summary>The most bytes of the JSON datagram that follows a STATUS_DETAIL reply.</summary>
    public const int StatusDetailMaxSize = 65536;

    /// <summary>The most bytes of the text datagram that follows a KERNEL_ENROL reply.</summary>
    public const int KernelEnrolDetailMaxSize = 16384;

    public const byte FamilyInet = 2;
    public const byte FamilyInet6 = 10;
}
