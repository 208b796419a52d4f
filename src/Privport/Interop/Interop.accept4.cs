using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SHUT_RDWR = 2;
        internal const int SHUT_WR = 1;

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int accept4(SafeHandle fd, byte* addr, uint* addrlen, int flags);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int shutdown(SafeHandle fd, int how);
    }
}
