using System.Runtime.InteropServices;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Client.Tests.Interop;

/// <summary>What tests ask of file descriptors: their flags, what they point at, how many are open.</summary>
internal static partial class Descriptors
{
    // fcntl(2) values the tests need; StructLayoutTests checks them against <fcntl.h> with the rest.
    public const int F_GETFD = 1;
    public const int FD_CLOEXEC = 1;

    public static bool IsCloseOnExec(SafeHandle fd)
    {
        int flags = fcntl(fd, F_GETFD, 0);
        return flags >= 0 ? (flags & FD_CLOEXEC) != 0 : throw SystemCallException.FromLastError("fcntl F_GETFD");
    }

    /// <summary>What /proc says the descriptor is: a path, or <c>socket:[inode]</c>, <c>anon_inode:[pidfd]</c>.</summary>
    public static string Target(SafeHandle fd) =>
        new FileInfo($"/proc/self/fd/{fd.DangerousGetHandle()}").LinkTarget ?? throw new IOException($"/proc/self/fd/{fd.DangerousGetHandle()} is not a link");

    /// <summary>The number of descriptors the process has open (the enumeration's own one included, every time).</summary>
    public static int OpenCount() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>Creates a connected AF_UNIX SOCK_SEQPACKET pair, both ends CLOEXEC.</summary>
    public static unsafe (SafeFdHandle First, SafeFdHandle Second) SeqpacketPair()
    {
        int* sv = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        {
            throw SystemCallException.FromLastError("socketpair");
        }

        return (new SafeFdHandle(sv[0]), new SafeFdHandle(sv[1]));
    }

    // Privport.Client makes no socketpair call of its own (ClientEntryPointTests), so the tests declare theirs.
    [LibraryImport("libc.so.6", SetLastError = true)]
    private static unsafe partial int socketpair(int domain, int type, int protocol, int* sv);
}
