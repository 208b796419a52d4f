using Microsoft.Win32.SafeHandles;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Keeps the caller's terminal from a program that will run as another user. A program that shares root's session
/// and terminal can push keystrokes into root's shell (ioctl TIOCSTI) and read what root types next, the hole
/// su and runuser closed with setsid(2) and <c>--pty</c>. The program must start outside the caller's session (so
/// it has no controlling terminal and TIOCSTI fails) with no terminal among its descriptors.
/// </summary>
internal static class TerminalIsolation
{
    /// <summary>
    /// Detaches this process in place when it can: a session of its own, and stdin from /dev/null when it is a
    /// terminal. Returns false when that is not enough: standard output or error is a terminal (its output must be
    /// relayed), or the process is a process group leader in a session that has a terminal, which setsid(2) refuses.
    /// </summary>
    /// <exception cref="SystemCallException">/dev/null could not be put on descriptor 0.</exception>
    public static bool TryDetachInPlace()
    {
        if (IsTerminal(1) || IsTerminal(2))
        {
            return false;
        }

        // A session leader with no terminal (systemd's services) or no terminal at all: nothing to leave.
        if (setsid() < 0 && ControllingTerminal.Present())
        {
            return false;
        }

        if (IsTerminal(0))
        {
            ReadStandardInputFromDevNull();
        }

        return true;
    }

    public static bool IsTerminal(int fd) => isatty(fd) == 1;

    private static void ReadStandardInputFromDevNull()
    {
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        bool added = false;
        try
        {
            devNull.DangerousAddRef(ref added);
            if (dup3((int)devNull.DangerousGetHandle(), 0, 0) < 0)
            {
                throw SystemCallException.FromLastError("dup3 /dev/null to descriptor 0");
            }
        }
        finally
        {
            if (added)
            {
                devNull.DangerousRelease();
            }
        }
    }
}
