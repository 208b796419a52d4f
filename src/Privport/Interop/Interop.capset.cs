using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
        internal const int _LINUX_CAPABILITY_U32S_3 = 2;
        internal const int CAP_SETPCAP = 8;
        internal const int CAP_NET_BIND_SERVICE = 10;

        [StructLayout(LayoutKind.Sequential)]
        internal struct __user_cap_header_struct
        {
            public uint version;
            public int pid;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct __user_cap_data_struct
        {
            public uint effective;
            public uint permitted;
            public uint inheritable;
        }

        // Capability sets belong to the calling thread: the thread that changes them must be the one that execs.
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int capset(__user_cap_header_struct* header, __user_cap_data_struct* data);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int capget(__user_cap_header_struct* header, __user_cap_data_struct* data);
    }
}
