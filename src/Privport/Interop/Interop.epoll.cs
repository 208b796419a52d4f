using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int EPOLL_CLOEXEC = 0x80000;
        internal const int EPOLL_CTL_ADD = 1;
        internal const int EPOLL_CTL_DEL = 2;
        internal const int EPOLL_CTL_MOD = 3;
        internal const int EPOLLIN = 0x001;
        internal const int EPOLLERR = 0x008;
        internal const int EPOLLHUP = 0x010;
        internal const int EPOLLRDHUP = 0x2000;
        internal const int EPOLLONESHOT = 1 << 30;
        internal const int EPOLLOUT = 0x004;
        internal const int EPOLLEXCLUSIVE = 1 << 28;

        // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes), so callers
        // lay it out by hand with EpollEventLayout rather than through a C# struct.
        [LibraryImport(Name, SetLastError = true)]
        internal static partial int epoll_create1(int flags);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int epoll_ctl(SafeHandle epfd, int op, int fd, byte* @event);

        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int epoll_wait(SafeHandle epfd, byte* events, int maxevents, int timeout);
    }
}
