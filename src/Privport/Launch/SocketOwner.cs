using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Creates sockets on this thread as another user's (their file-system uid), so the kernel records that user as the
/// socket's owner. The kernel groups SO_REUSEPORT sockets by that owner: a socket root makes for a dropped program
/// would otherwise join root's own listeners on the port and take part of their connections.
/// </summary>
internal readonly ref struct SocketOwner
{
    private readonly uint _previous;
    private readonly bool _changed;

    private SocketOwner(uint uid)
    {
        _previous = (uint)setfsuid(uid);
        _changed = true;
        if ((uint)setfsuid(uint.MaxValue) != uid)
        {
            // setfsuid reports no error; reading back (-1 changes nothing) shows whether it took.
            _ = setfsuid(_previous);
            throw new SystemCallException("setfsuid", EPERM);
        }
    }

    /// <summary>Until disposed, sockets this thread creates belong to <paramref name="uid"/>; null changes nothing.</summary>
    public static SocketOwner As(uint? uid) => uid is { } owner ? new SocketOwner(owner) : default;

    public void Dispose()
    {
        if (_changed)
        {
            _ = setfsuid(_previous);
        }
    }
}
