using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SPLICE_F_MOVE = 1;
        internal const int SPLICE_F_NONBLOCK = 2;

        // Offsets are always null here: both ends are sockets or pipes, which have no file position.
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial nint splice(SafeHandle fd_in, long* off_in, SafeHandle fd_out, long* off_out, nuint len, uint flags);
    }
}
