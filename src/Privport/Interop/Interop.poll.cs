using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int POLLIN = 0x001;

        [StructLayout(LayoutKind.Sequential)]
        internal struct pollfd
        {
            public int fd;
            public short events;
            public short revents;
        }

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int poll(pollfd* fds, nuint nfds, int timeout);
    }
}
