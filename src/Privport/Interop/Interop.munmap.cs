using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Privport.Interop.Interop.Libc.Name, SetLastError = true)]
        internal static unsafe partial int munmap(void* addr, nuint length);
    }
}
