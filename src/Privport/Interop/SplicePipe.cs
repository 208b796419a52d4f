using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// A nonblocking pipe used as the kernel-side buffer between two sockets: splice(2) moves pages from a socket into it
/// and from it into the other socket, so the bytes never enter this process.
/// </summary>
internal sealed class SplicePipe : IDisposable
{
    private SplicePipe(SafeFdHandle read, SafeFdHandle write, int capacity)
    {
        ReadEnd = read;
        WriteEnd = write;
        Capacity = capacity;
    }

    public SafeFdHandle ReadEnd { get; }

    public SafeFdHandle WriteEnd { get; }

    /// <summary>Bytes the pipe holds at most (what F_SETPIPE_SZ granted).</summary>
    public int Capacity { get; }

    /// <summary>Bytes spliced in and not yet spliced out; the owner keeps it, as the kernel does not say.</summary>
    public int Buffered { get; set; }

    /// <summary>
    /// Creates a pipe of <paramref name="size"/> bytes if the kernel allows (pipe-max-size, or the per-user
    /// pipe-user-pages limits once an unprivileged user holds many pipes), else of the size it gives.
    /// </summary>
    public static unsafe SplicePipe Create(int size)
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        {
            throw SystemCallException.FromLastError("pipe2");
        }

        var read = new SafeFdHandle(fds[0]);
        var write = new SafeFdHandle(fds[1]);
        int granted = fcntl(write, F_SETPIPE_SZ, size);
        if (granted < 0)
        {
            granted = fcntl(write, F_GETPIPE_SZ, 0);
            if (granted < 0)
            {
                var error = SystemCallException.FromLastError("fcntl F_GETPIPE_SZ");
                read.Dispose();
                write.Dispose();
                throw error;
            }
        }

        return new SplicePipe(read, write, granted);
    }

    public void Dispose()
    {
        ReadEnd.Dispose();
        WriteEnd.Dispose();
    }
}
