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

    /// <summary>Hands ownership of the descriptor to a <see cref="Socket"/>; this handle is then empty.</summary>
    public Socket ToSocket()
    {
        int fd = Fd;
        SetHandleAsInvalid();
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    protected override bool ReleaseHandle() => Interop.Libc.close((int)handle) == 0;
}
