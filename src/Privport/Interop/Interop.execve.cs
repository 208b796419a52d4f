using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint S_ISUID = 0x800;
        internal const uint S_ISGID = 0x400;

        // Replaces the process image; returns only on failure. Both arrays end with a null entry.
        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int execve(string path, string?[] argv, string?[] envp);
    }
}
