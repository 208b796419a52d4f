using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int getpeername(SafeHandle fd, byte* addr, uint* addrlen);
    }
}
