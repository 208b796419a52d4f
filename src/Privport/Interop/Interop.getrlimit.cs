using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int RLIMIT_NOFILE = 7;

        /// <summary>struct rlimit: rlim_t is 64 bits on every 64-bit Linux ABI.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct rlimit
        {
            public ulong rlim_cur;
            public ulong rlim_max;
        }

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int getrlimit(int resource, rlimit* rlim);
    }
}
