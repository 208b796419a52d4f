using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial nint readlink(string path, byte* buf, nuint bufsiz);

        [LibraryImport(Name)]
        internal static partial uint geteuid();
    }
}
