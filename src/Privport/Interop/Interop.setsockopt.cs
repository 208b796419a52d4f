using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int setsockopt(SafeHandle fd, int level, int optname, void* optval, uint optlen);
    }
}
