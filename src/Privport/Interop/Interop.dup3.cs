using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int dup3(int oldfd, int newfd, int flags);
    }
}
