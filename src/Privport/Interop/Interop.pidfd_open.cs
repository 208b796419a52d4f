using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc 2.36 and later; the descriptor is close-on-exec and becomes readable when the process exits.
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int pidfd_open(int pid, uint flags);
    }
}
