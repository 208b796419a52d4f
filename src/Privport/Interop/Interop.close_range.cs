using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint CLOSE_RANGE_CLOEXEC = 4;

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int close_range(uint first, uint last, int flags);
    }
}
