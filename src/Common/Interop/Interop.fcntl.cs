using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int F_GETFD = 1;
        internal const int F_SETFD = 2;
        internal const int FD_CLOEXEC = 1;
        internal const int F_DUPFD_CLOEXEC = 1030;
        internal const int F_GETFL = 3;
        internal const int F_SETFL = 4;
        internal const int F_SETPIPE_SZ = 1031;
        internal const int F_GETPIPE_SZ = 1032;

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int fcntl(SafeHandle fd, int cmd, int arg);

        [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int fcntl_fd(int fd, int cmd, int arg);
    }
}
