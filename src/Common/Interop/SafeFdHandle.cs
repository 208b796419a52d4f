using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Privport.Interop;

/// <summary>An owned file descriptor, closed exactly once.</summary>
internal sealed class SafeFdHandle : SafeHandle
{
    public SafeFdHandle(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    public int Fd => (int)handle;

    /// <summary>
    /// A close-on-exec copy of <paramref name="fd"/> at the lowest free number from <paramref name="lowest"/> up:
    /// the copy outlives the original's owner, and no program started later inherits it by accident.
    /// </summary>
    /// <exception cref="SystemCallException">No descriptor was free (EMFILE, ENFILE) or the original is closed.</exception>
    public static SafeFdHandle DuplicateCloseOnExec(SafeHandle fd, int lowest = 0)
    {
        int copy = Interop.Libc.fcntl(fd, Interop.Libc.F_DUPFD_CLOEXEC, lowest);
        return copy >= 0 ? new SafeFdHandle(copy) : throw SystemCallException.FromLastError("fcntl F_DUPFD_CLOEXEC");
    }

    /// <summary>Hands ownership of the descriptor to a <see cref="Socket"/>; this handle is then empty.</summary>
    public Socket ToSocket()
    {
        int fd = Fd;
        SetHandleAsInvalid();
#pragma warning disable CA2000 // The Socket owns it once constructed; the catch closes it when construction fails.
        var owned = new SafeSocketHandle(fd, ownsHandle: true);
#pragma warning restore CA2000
        try
        {
            return new Socket(owned);
        }
        catch
        {
            // When the Socket constructor fails, the handle is still its caller's to close.
            owned.Dispose();
            throw;
        }
    }

    protected override bool ReleaseHandle() => Interop.Libc.close((int)handle) == 0;
}
