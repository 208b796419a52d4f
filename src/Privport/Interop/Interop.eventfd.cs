using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int EFD_NONBLOCK = 0x800;
        internal const int EFD_CLOEXEC = 0x80000;

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int eventfd(uint initval, int flags);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint read(SafeHandle fd, byte* buf, nuint count);
    }
}
