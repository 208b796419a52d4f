using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Unlike setresuid, glibc does not broadcast this to other threads: it changes the calling thread only, which
        // is what lets one thread create a socket as another user while the rest of the process stays root.
        // Returns the previous fsuid; there is no error return (an unchanged value says the call was refused).
        [LibraryImport(Name)]
        internal static partial int setfsuid(uint fsuid);
    }
}
