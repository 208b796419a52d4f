using System.Runtime.InteropServices;

namespace Privport.Client.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int F_DUPFD_CLOEXEC = 1030;

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int fcntl(SafeHandle fd, int cmd, int arg);
    }
}
