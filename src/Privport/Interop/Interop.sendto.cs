using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint sendto(SafeHandle fd, byte* buf, nuint len, int flags, byte* dest_addr, uint addrlen);
    }
}
