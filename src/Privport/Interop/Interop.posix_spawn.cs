using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int POSIX_SPAWN_SETSIGMASK = 0x08;
        internal const int POSIX_SPAWN_SETSID = 0x80;

        // Returns the error number instead of setting errno. glibc starts the child with clone(CLONE_VM|CLONE_VFORK)
        // and runs only async-signal-safe code in it, which makes it safe from a multithreaded runtime where fork()
        // followed by managed code is not.
        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int posix_spawn(int* pid, string path, byte* file_actions, byte* attrp, string?[] argv, string?[] envp);
    }
}
