using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
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
    private readonly string _procRoot;
    private readonly ILogger _logger;
    private int _warnedNoPidFd;

    public PeerIdentityReader(ILogger logger, string procRoot = "/proc")
    {
        _logger = logger;
        _procRoot = procRoot;
    }

    /// <summary>The peer's pidfd, or null on kernels before 6.5 (no SO_PEERPIDFD) or when the peer is gone.</summary>
    public SafeFdHandle? OpenPidFd(SafeHandle connection)
    {
        int? fd;
        try
        {
            fd = NativeSocket.GetInt(connection, SOL_SOCKET, SO_PEERPIDFD, tolerated: ENOPROTOOPT);
        }
        // Out of descriptors is the broker's shortage, not a property of the peer: it reaches the caller, which answers "retry".
        catch (SystemCallException e) when (e.ErrorNumber is not (EMFILE or ENFILE))
        {
            return null;
        }

        if (fd is null && Interlocked.Exchange(ref _warnedNoPidFd, 1) == 0)
        {
            BrokerLog.NoPeerPidFd(_logger);
        }

        return fd >= 0 ? new SafeFdHandle(fd.Value) : null;
    }

    /// <summary>
    /// The identity as of now. Exe and supplementary groups are left empty when they cannot be confirmed;
    /// a rule naming an exe or a group then does not match, which fails closed.
    /// </summary>
    /// <param name="readGroups">Whether supplementary groups are needed (the policy names groups).</param>
    public PeerIdentity Read(in ucred credentials, SafeFdHandle? pidfd, bool readGroups)
    {
        if (credentials.pid <= 0 || pidfd is null)
        {
            return new PeerIdentity(credentials.uid, credentials.gid, [], credentials.pid, Exe: null);
        }

        string? exe = TryReadExe(credentials.pid);
        uint[] groups = readGroups ? TryReadGroups(credentials.pid) : [];
        if (!IsAlive(pidfd))
        {
            return new PeerIdentity(credentials.uid, credentials.gid, [], credentials.pid, Exe: null);
        }

        return new PeerIdentity(credentials.uid, credentials.gid, groups, credentials.pid, exe);
    }

    // Without CAP_KILL (privport.service does not grant it) signalling another user's process fails with EPERM,
    // which still proves the process is there; only ESRCH means it has exited.
    private static unsafe bool IsAlive(SafeFdHandle pidfd) =>
        pidfd_send_signal(pidfd, 0, null, 0) == 0 || Marshal.GetLastPInvokeError() == EPERM;

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
        Span<byte> buffer = stackalloc byte[8192];
        int length;
        try
        {
            using SafeFileHandle status = File.OpenHandle($"{_procRoot}/{pid}/status", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            length = RandomAccess.Read(status, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        foreach (var line in Encoding.ASCII.GetString(buffer[..length]).Split('\n'))
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

        return [];
    }
}
