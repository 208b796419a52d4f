using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct iovec
        {
            public void* iov_base;
            public nuint iov_len;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct msghdr
        {
            public void* msg_name;
            public uint msg_namelen;
            public iovec* msg_iov;
            public nuint msg_iovlen;
            public void* msg_control;
            public nuint msg_controllen;
            public int msg_flags;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct cmsghdr
        {
            public nuint cmsg_len;
            public int cmsg_level;
            public int cmsg_type;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ucred
        {
            public int pid;
            public uint uid;
            public uint gid;
        }

        internal static unsafe int CMSG_ALIGN(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);

        internal static unsafe int CMSG_SPACE(int length) => CMSG_ALIGN(sizeof(cmsghdr)) + CMSG_ALIGN(length);

        internal static unsafe int CMSG_LEN(int length) => CMSG_ALIGN(sizeof(cmsghdr)) + length;
    }
}
