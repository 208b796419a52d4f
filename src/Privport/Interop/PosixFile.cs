using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>open(2) and write(2) with the flags .NET's FileStream cannot ask for (O_APPEND, O_NOFOLLOW, O_NONBLOCK).</summary>
internal static class PosixFile
{
    /// <summary>Opens <paramref name="path"/>; null and the errno when open fails.</summary>
    public static SafeFdHandle? TryOpen(string path, int flags, uint mode, out int errno)
    {
        while (true)
        {
            int fd = open(path, flags | O_CLOEXEC, mode);
            if (fd >= 0)
            {
                errno = 0;
                return new SafeFdHandle(fd);
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
            {
                return null;
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/>; 0, or the errno of the write that failed.</summary>
    public static unsafe int WriteAll(SafeHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint written = write(fd, start + done, (nuint)(data.Length - done));
                if (written < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR)
                    {
                        continue;
                    }

                    return errno;
                }

                done += (int)written;
            }

            return 0;
        }
    }
}
