using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Policy;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Reads who is on the other end of a connection. uid, gid, pid (SO_PEERCRED) and supplementary groups
/// (SO_PEERGROUPS) come from the kernel, as recorded at connect(2). The executable comes from /proc/PID/exe and is
/// trusted only if the pidfd (SO_PEERPIDFD) shows the same process still alive after it was read: a pid recycled in
/// between would otherwise lend its identity.
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
    /// <param name="connection">The accepted connection: SO_PEERGROUPS, and SO_NETNS_COOKIE of the broker's end.</param>
    /// <param name="credentials">SO_PEERCRED of <paramref name="connection"/>.</param>
    /// <param name="pidfd">The peer's pidfd; without one the executable stays unknown.</param>
    /// <param name="policy">What the decision needs: groups and the executed file are read only if rules name them.</param>
    public PeerIdentity Read(SafeHandle connection, in ucred credentials, SafeFdHandle? pidfd, PortPolicy policy)
    {
        // Recorded by the kernel at connect(2) like the uid, so no pid is involved and no /proc file can be cut short.
        uint[] groups = policy.NamesGroups ? TryReadGroups(connection) : [];

        // The accepted end of a unix connection is made in the connecting socket's network namespace (unix_stream_connect),
        // so its cookie names where the peer connected from, as the kernel recorded it; no privilege needed.
        ulong? networkNamespace = NetworkNamespace.CookieOf(connection);
        if (credentials.pid <= 0 || pidfd is null)
        {
            return new PeerIdentity(credentials.uid, credentials.gid, groups, credentials.pid, Exe: null) { NetworkNamespace = networkNamespace };
        }

        var (exe, file) = TryReadExe(credentials.pid, policy.NamesExecutables);
        if (!IsAlive(pidfd))
        {
            return new PeerIdentity(credentials.uid, credentials.gid, groups, credentials.pid, Exe: null) { NetworkNamespace = networkNamespace };
        }

        return new PeerIdentity(credentials.uid, credentials.gid, groups, credentials.pid, exe, file) { NetworkNamespace = networkNamespace };
    }

    // Without CAP_KILL (privport.service does not grant it) signalling another user's process fails with EPERM,
    // which still proves the process is there; only ESRCH means it has exited.
    public static unsafe bool IsAlive(SafeFdHandle pidfd) =>
        pidfd_send_signal(pidfd, 0, null, 0) == 0 || Marshal.GetLastPInvokeError() == EPERM;

    /// <summary>
    /// The path /proc/PID/exe shows and the file it leads to. The path is the peer's own view (a mount namespace of
    /// its own can put any file under any name) and is kept only for messages; statx follows the link to the file
    /// object the process executes, which is what rules compare.
    /// </summary>
    /// <param name="pid">The peer.</param>
    /// <param name="readFile">Whether to look up the file too; without exe rules the path is only for the audit line.</param>
    private (string? Path, FileIdentity? File) TryReadExe(int pid, bool readFile)
    {
        string link = $"{_procRoot}/{pid}/exe";
        string exe;
        try
        {
            exe = ProcessFiles.ReadLink(link);
        }
        catch (SystemCallException)
        {
            return (null, null);
        }

        // The kernel appends this when the file was replaced or removed after exec: not the configured binary.
        if (exe.EndsWith(" (deleted)", StringComparison.Ordinal))
        {
            return (null, null);
        }

        if (!readFile)
        {
            return (exe, null);
        }

        return FileIdentity.TryRead(link) is { } file ? (exe, file) : (null, null);
    }

    private static uint[] TryReadGroups(SafeHandle connection)
    {
        try
        {
            return NativeSocket.PeerGroups(connection);
        }
        catch (SystemCallException)
        {
            return [];
        }
    }
}
