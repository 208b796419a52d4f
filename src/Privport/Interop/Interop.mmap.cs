using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PROT_READ = 1;
        internal const int PROT_WRITE = 2;
        internal const int MAP_SHARED = 1;
        internal static readonly nint MAP_FAILED = -1;

        [LibraryImport(Privport.Interop.Interop.Libc.Name, SetLastError = true)]
        internal static unsafe partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);
    }
}
