using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc applies these to every thread of the process (the setxid broadcast), as POSIX requires; the raw
        // syscalls would change only the calling thread.
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int setresuid(uint ruid, uint euid, uint suid);

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int setresgid(uint rgid, uint egid, uint sgid);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int getresuid(uint* ruid, uint* euid, uint* suid);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int getresgid(uint* rgid, uint* egid, uint* sgid);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int setgroups(nuint size, uint* list);
    }
}
