using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// Network namespaces told apart by their cookie (SO_NETNS_COOKIE, Linux 5.14+): a 64-bit number the kernel never
/// reuses while it runs, read off any socket without privilege. A socket belongs to the namespace it was created in.
/// </summary>
internal static class NetworkNamespace
{
    /// <summary>The cookie of the namespace <paramref name="socket"/> belongs to; null on kernels without SO_NETNS_COOKIE.</summary>
    public static unsafe ulong? CookieOf(SafeHandle socket)
    {
        ulong cookie = 0;
        uint length = sizeof(ulong);
        if (getsockopt(socket, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == ENOPROTOOPT ? null : throw new SystemCallException("getsockopt SO_NETNS_COOKIE", errno);
        }

        return cookie;
    }

    /// <summary>The cookie of the namespace the calling thread makes its sockets in.</summary>
    public static ulong? CookieOfCurrent()
    {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("socket AF_UNIX");
        }

        using var probe = new SafeFdHandle(fd);
        return CookieOf(probe);
    }
}
