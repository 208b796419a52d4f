using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;
using Privport.Policy;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Reads who is on the other end of a connection. uid, gid and pid come from the kernel (SO_PEERCRED). The
/// executable and groups come from /proc/PID and are trusted only if the pidfd (SO_PEERPIDFD) shows the same process
/// still alive after they were read: a pid recycled in between would otherwise lend its identity.
/// </summary>
internal sealed class PeerIdentityReader
{
    private const int ENOPROTOOPT = 92;

    private readonly string _procRoot;
    private readonly ILogger _logger;
    private int _warnedNoPidFd;

    public PeerIdentityReader(ILogger logger, string procRoot = "/proc")
    {
        _logger = logger;
        _procRoot = procRoot;
    }

    public static unsafe ucred ReadCredentials(Socket connection)
    {
        ucred credentials = default;
        connection.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, new Span<byte>(&credentials, sizeof(ucred)));
        return credentials;
    }

    /// <summary>The peer's pidfd, or null on kernels before 6.5 (no SO_PEERPIDFD) or when the peer is gone.</summary>
    public SafeFdHandle? OpenPidFd(Socket connection)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        try
        {
            connection.GetRawSocketOption(SOL_SOCKET, SO_PEERPIDFD, value);
        }
        catch (SocketException e)
        {
            if (e.NativeErrorCode == ENOPROTOOPT && Interlocked.Exchange(ref _warnedNoPidFd, 1) == 0)
            {
                BrokerLog.NoPeerPidFd(_logger);
            }

            return null;
        }

        int fd = MemoryMarshal.Read<int>(value);
        return fd >= 0 ? new SafeFdHandle(fd) : null;
    }

    /// <summary>
    /// The identity as of now. Exe and supplementary groups are left empty when they cannot be confirmed;
    /// a rule naming an exe then does not match, which fails closed.
    /// </summary>
    public PeerIdentity Read(in ucred credentials, SafeFdHandle? pidfd)
    {
        if (credentials.pid <= 0 || pidfd is null)
        {
            return new PeerIdentity(credentials.uid, credentials.gid, [], credentials.pid, Exe: null);
        }

        string? exe = TryReadExe(credentials.pid);
        uint[] groups = TryReadGroups(credentials.pid);
        if (!IsAlive(pidfd))
        {
            return new PeerIdentity(credentials.uid, credentials.gid, [], credentials.pid, Exe: null);
        }

        return new PeerIdentity(credentials.uid, credentials.gid, groups, credentials.pid, exe);
    }

    private static unsafe bool IsAlive(SafeFdHandle pidfd) => pidfd_send_signal(pidfd, 0, null, 0) == 0;

    private string? TryReadExe(int pid)
    {
        try
        {
            string exe = ProcessFiles.ReadLink($"{_procRoot}/{pid}/exe");

            // The kernel appends this when the file was replaced or removed after exec: not the configured binary.
            return exe.EndsWith(" (deleted)", StringComparison.Ordinal) ? null : exe;
        }
        catch (SystemCallException)
        {
            return null;
        }
    }

    private uint[] TryReadGroups(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"{_procRoot}/{pid}/status"))
            {
                if (line.StartsWith("Groups:", StringComparison.Ordinal))
                {
                    var fields = line["Groups:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    var groups = new uint[fields.Length];
                    for (int i = 0; i < fields.Length; i++)
                    {
                        groups[i] = uint.Parse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture);
                    }

                    return groups;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return [];
    }
}
