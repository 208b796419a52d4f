using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int PR_SET_KEEPCAPS = 8;
        internal const int PR_SET_NAME = 15;
        internal const int PR_CAPBSET_READ = 23;
        internal const int PR_CAPBSET_DROP = 24;
        internal const int PR_SET_NO_NEW_PRIVS = 38;
        internal const int PR_GET_NO_NEW_PRIVS = 39;
        internal const int PR_CAP_AMBIENT = 47;
        internal const int PR_CAP_AMBIENT_RAISE = 2;
        internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

        // prctl is variadic in C; every option used here takes unsigned long arguments, which the Linux calling
        // conventions pass exactly as fixed arguments.
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    }
}
