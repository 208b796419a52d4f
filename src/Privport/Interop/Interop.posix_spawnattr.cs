using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Opaque to privport: only glibc looks inside; the sizes are checked against the C headers.
        internal const int SizeOfPosixSpawnattr = 336;

        // sigset_t is 1024 bits in glibc; all zero is the empty set.
        internal const int SizeOfSigset = 128;

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawnattr_init(byte* attr);

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawnattr_destroy(byte* attr);

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawnattr_setflags(byte* attr, short flags);

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawnattr_setsigmask(byte* attr, byte* sigmask);
    }
}
