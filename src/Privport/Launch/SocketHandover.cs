using System.Globalization;
using Privport.Client;
using System.Runtime.InteropServices;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Puts sockets where systemd's socket activation protocol expects them, just before execve: descriptors 3, 4, …
/// in order without close-on-exec, every other descriptor above 2 close-on-exec, and LISTEN_FDS, LISTEN_PID and
/// LISTEN_FDNAMES set for the program that will keep this process's pid.
/// </summary>
internal static class SocketHandover
{
    /// <summary>
    /// Moves <paramref name="sockets"/> into place and sets the variables in <paramref name="environment"/>.
    /// Nothing may open descriptors between this and execve: the runtime's own descriptors in the target range are
    /// replaced, which is harmless only because the process image is about to go.
    /// </summary>
    public static void Arrange(IReadOnlyList<SafeHandle> sockets, IReadOnlyList<string> names, IDictionary<string, string> environment)
    {
        int first = ListenFds.FirstDescriptor;
        int end = first + sockets.Count;

        // Copies above the target range first, so moving one socket into place cannot close another. Raw numbers,
        // not SafeFdHandle.DuplicateCloseOnExec: each is dup3'd into place and closed below, before execve.
        var staged = new int[sockets.Count];
        for (int i = 0; i < sockets.Count; i++)
        {
            staged[i] = fcntl(sockets[i], F_DUPFD_CLOEXEC, end);
            if (staged[i] < 0)
            {
                throw SystemCallException.FromLastError("fcntl F_DUPFD_CLOEXEC");
            }
        }

        // Everything inherited or opened by the runtime stays open until execve but does not pass it.
        if (close_range((uint)first, uint.MaxValue, (int)CLOSE_RANGE_CLOEXEC) < 0)
        {
            throw SystemCallException.FromLastError("close_range CLOSE_RANGE_CLOEXEC");
        }

        for (int i = 0; i < staged.Length; i++)
        {
            // dup3 without O_CLOEXEC: the one way these descriptors cross execve.
            if (dup3(staged[i], first + i, 0) < 0)
            {
                throw SystemCallException.FromLastError($"dup3 to descriptor {first + i}");
            }
        }

        environment.Remove("LISTEN_PIDFDID");
        if (sockets.Count == 0)
        {
            environment.Remove("LISTEN_PID");
            environment.Remove("LISTEN_FDS");
            environment.Remove("LISTEN_FDNAMES");
            return;
        }

        // execve keeps the pid, so the program finds its own pid here as sd_listen_fds requires.
        environment["LISTEN_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        environment["LISTEN_FDS"] = sockets.Count.ToString(CultureInfo.InvariantCulture);
        environment["LISTEN_FDNAMES"] = string.Join(':', names);
    }
}
