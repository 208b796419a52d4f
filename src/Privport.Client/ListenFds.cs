using System.Globalization;

namespace Privport.Client;

/// <summary>
/// Reads the sockets passed by systemd's socket activation protocol, as <c>sd_listen_fds_with_names</c> does: only when
/// <c>LISTEN_PID</c> is this process, descriptors from 3, names from <c>LISTEN_FDNAMES</c>.
/// </summary>
public static class ListenFds
{
    /// <summary>The first passed descriptor (SD_LISTEN_FDS_START).</summary>
    public const int FirstDescriptor = 3;

    /// <summary>The name of a socket passed without one.</summary>
    public const string UnknownName = "unknown";

    /// <summary>
    /// The sockets this process inherited, each marked close-on-exec as <c>sd_listen_fds</c> does, so the programs this
    /// process starts do not hold them open; empty when none were passed to it.
    /// </summary>
    /// <exception cref="FormatException">LISTEN_PID names this process but LISTEN_FDS or LISTEN_FDNAMES is malformed.</exception>
    /// <exception cref="IOException">A passed descriptor is not open (fcntl fails, EBADF): LISTEN_FDS counts more than were passed.</exception>
    public static IReadOnlyList<ListenFd> Inherited()
    {
        var layout = Parse(
            Environment.GetEnvironmentVariable("LISTEN_PID"),
            Environment.GetEnvironmentVariable("LISTEN_FDS"),
            Environment.GetEnvironmentVariable("LISTEN_FDNAMES"),
            Environment.ProcessId);
        var sockets = new ListenFd[layout.Count];
        for (int i = 0; i < layout.Count; i++)
        {
            sockets[i] = new ListenFd(FirstDescriptor + i, layout[i]);
            sockets[i].SetCloseOnExec();
        }

        return sockets;
    }

    /// <summary>The names of the passed sockets, in descriptor order; empty when they are not for <paramref name="ownPid"/>.</summary>
    internal static IReadOnlyList<string> Parse(string? listenPid, string? listenFds, string? listenFdNames, int ownPid)
    {
        // A LISTEN_PID of another process means the variables were inherited past their target: not ours.
        if (listenPid is null || !int.TryParse(listenPid, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid != ownPid)
        {
            return [];
        }

        if (!int.TryParse(listenFds, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > 4096)
        {
            throw new FormatException($"LISTEN_FDS is '{listenFds}' while LISTEN_PID names this process: expected a count of passed descriptors from 1 to 4096");
        }

        if (listenFdNames is null)
        {
            return Enumerable.Repeat(UnknownName, count).ToArray();
        }

        string[] names = listenFdNames.Split(':');
        if (names.Length != count)
        {
            throw new FormatException($"LISTEN_FDNAMES has {names.Length} names but LISTEN_FDS says {count} descriptors: each passed socket needs one name");
        }

        return names;
    }
}
