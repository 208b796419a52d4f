using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_RDONLY = 0;
        internal const int O_WRONLY = 1;
        internal const int O_CREAT = 0x40;
        internal const int O_NOCTTY = 0x100;
        internal const int O_APPEND = 0x400;
        internal const int O_NOFOLLOW = 0x20000;

        // O_NONBLOCK and O_CLOEXEC: Interop.pipe2.cs.

        // open(2) is variadic; on x86-64 and aarch64 Linux the mode travels in the third integer register either way.
        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int open(string pathname, int flags, uint mode);
    }
}
