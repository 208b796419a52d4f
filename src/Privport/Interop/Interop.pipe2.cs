using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_NONBLOCK = 0x800;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int pipe2(int* pipefd, int flags);
    }
}
