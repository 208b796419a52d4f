using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Fails with EPERM in a process group leader (a shell job's first process), which cannot start a session.
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int setsid();
    }
}
