using System.Runtime.InteropServices;

namespace Privport.Client.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int RLIMIT_NOFILE = 7;

        [StructLayout(LayoutKind.Sequential)]
        internal struct rlimit
        {
            public ulong rlim_cur;
            public ulong rlim_max;
        }

        [LibraryImport(Name, SetLastError = true)]
        internal static partial int getrlimit(int resource, out rlimit rlim);
    }
}
