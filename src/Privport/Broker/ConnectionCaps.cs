namespace Privport.Broker;

/// <summary>
/// How many client connections the broker holds, derived from its descriptor limit so that a cap is reached, and
/// answered with EAGAIN, before descriptors run out and identification or BIND would fail in confusing ways.
/// </summary>
/// <param name="Total">Connections from all uids together.</param>
/// <param name="PerUid">Connections from any one uid.</param>
/// <param name="RootReserve">Connections from root accepted beyond <paramref name="Total"/>, so root can still ask (and
/// look) while other users hold every connection.</param>
internal readonly record struct ConnectionCaps(int Total, int PerUid, int RootReserve)
{
    /// <summary>A connection's socket, the peer's pidfd, and the one socket a BIND or OPEN has in flight.</summary>
    public const int DescriptorsPerConnection = 3;

    /// <summary>Left, beyond what is open at start, for policy reloads, /proc reads, metrics scrapes and the runtime.</summary>
    public const int ReservedDescriptors = 64;

    public const int DefaultPerUid = 128;

    private const int DefaultRootReserve = 16;

    // Even with descriptors to spare, one uid may hold at most an eighth of the total.
    private const int UidShareDivisor = 8;

    /// <param name="limit">The soft RLIMIT_NOFILE.</param>
    /// <param name="open">Descriptors open already: the listening socket, the audit file, the runtime's own.</param>
    public static ConnectionCaps FromDescriptorLimit(ulong limit, int open)
    {
        long usable = (long)Math.Min(limit, int.MaxValue) - open - ReservedDescriptors;
        int connections = (int)Math.Clamp(usable / DescriptorsPerConnection, 2, 1 << 20);
        int rootReserve = Math.Min(DefaultRootReserve, connections / 2);
        int total = connections - rootReserve;
        int perUid = Math.Clamp(total / UidShareDivisor, 1, DefaultPerUid);
        return new ConnectionCaps(total, perUid, rootReserve);
    }
}
