using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>
/// The connection cap <c>privport forward</c> takes when none is given, as HAProxy derives its maxconn from
/// <c>ulimit -n</c>: as many connections as the open-file limit holds at their costliest, so clients can fill the cap
/// but never run the process out of descriptors. A TCP connection holds two sockets and, while bytes are in flight, a
/// pipe (two descriptors) each way: six. Set aside beside them: each listener; per event loop its epoll set, its
/// hand-over eventfd, its spare descriptor and its pooled pipes; and a margin for the runtime, logging and metrics.
/// </summary>
internal static class DescriptorBudget
{
    public const int PerConnection = 6;

    private const int Margin = 64;
    private const int PerLoop = 3 + (2 * EventLoop.PooledPipes);
    private const long HighestCap = 10_000_000;

    /// <summary>This process's soft RLIMIT_NOFILE, which is what open(2), socket(2) and accept(2) are held to.</summary>
    public static long OpenFileLimit()
    {
        ulong soft = FileDescriptorLimit.Current();
        return soft > long.MaxValue ? long.MaxValue : (long)soft;
    }

    /// <summary>Descriptors <paramref name="connections"/> connections need at worst, with everything set aside.</summary>
    public static long Needed(long connections, int listeners, int loops) =>
        Margin + listeners + ((long)loops * PerLoop) + (connections * PerConnection);

    /// <summary>The most connections <paramref name="openFileLimit"/> holds at worst; at least one.</summary>
    public static int DefaultCap(long openFileLimit, int listeners, int loops) =>
        (int)Math.Clamp((openFileLimit - Needed(0, listeners, loops)) / PerConnection, 1, HighestCap);
}
