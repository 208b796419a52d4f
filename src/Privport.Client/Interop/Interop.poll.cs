using System.Runtime.InteropServices;

namespace Privport.Client.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const short POLLIN = 0x001;
        internal const short POLLERR = 0x008;
        internal const short POLLHUP = 0x010;
        internal const short POLLNVAL = 0x020;

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
