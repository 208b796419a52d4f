using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// An eventfd that one thread sets to wake another out of epoll_wait. Setting it twice before it is cleared still
/// wakes once, which is all a queue of work needs.
/// </summary>
internal sealed class WakeSignal : IDisposable
{
    public WakeSignal()
    {
        int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("eventfd");
        }

        Handle = new SafeFdHandle(fd);
    }

    /// <summary>The descriptor to watch for input.</summary>
    public SafeFdHandle Handle { get; }

    public unsafe void Set()
    {
        ulong one = 1;
        _ = write(Handle, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Clears the signal, so epoll reports it again only after the next <see cref="Set"/>.</summary>
    public unsafe void Clear()
    {
        ulong count;
        _ = read(Handle, (byte*)&count, sizeof(ulong));
    }

    public void Dispose() => Handle.Dispose();
}
