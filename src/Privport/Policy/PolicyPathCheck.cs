using System.Globalization;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Policy;

/// <summary>
/// Whether a policy file or directory can be trusted, as sshd's StrictModes judges a user's files: every entry from
/// <c>/</c> to it owned by root (or by the uid checking, when that is not root), and every directory on the way
/// writable by nobody else; symbolic links are followed, and the directory holding each link is checked as well.
/// A sticky directory that others may write (<c>/tmp</c>) is accepted when the entry taken from it has a trusted
/// owner, since the kernel lets only that owner (or root) rename or remove it.
/// </summary>
internal sealed class PolicyPathCheck
{
    // Linux's own limit (MAXSYMLINKS): more links than this is a loop.
    private const int MaxSymbolicLinks = 40;

    private readonly uint _trustedUid;

    /// <param name="trustedUid">The uid besides root whose files are trusted: the process's own.</param>
    public PolicyPathCheck(uint trustedUid)
    {
        _trustedUid = trustedUid;
    }

    /// <summary>Trusts root and the running process's effective uid.</summary>
    public static PolicyPathCheck ForThisProcess() => new(geteuid());

    /// <summary>
    /// Follows <paramref name="path"/> to the file it names, checking owners and modes on the way. The result is the
    /// real path and its status, or what is wrong and how to fix it (<see cref="PolicyPathResult.Problem"/>), or
    /// that nothing is there.
    /// </summary>
    public PolicyPathResult Resolve(string path)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        string current = path.StartsWith('/') ? "/" : Environment.CurrentDirectory;
        if (current != "/")
        {
            // A relative path starts where the process is; that directory's own chain is checked first.
            var start = Resolve(current);
            if (start.Problem is not null || !start.Found)
            {
                return start;
            }
        }

        if (!FileStatus.TryRead(current, followSymbolicLink: false, out var directory, out int errno))
        {
            return PolicyPathResult.Failed(current, $"cannot read its status: {Errno.Describe(errno)}");
        }

        if (current == "/" && OwnerProblem("/", directory) is { } rootProblem)
        {
            return rootProblem;
        }

        int links = 0;
        while (pending.TryPop(out string? name))
        {
            if (name is "" or ".")
            {
                continue;
            }

            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                if (!FileStatus.TryRead(current, followSymbolicLink: false, out directory, out errno))
                {
                    return PolicyPathResult.Failed(current, $"cannot read its status: {Errno.Describe(errno)}");
                }

                continue;
            }

            string entry = current == "/" ? "/" + name : current + "/" + name;
            if (!FileStatus.TryRead(entry, followSymbolicLink: false, out var status, out errno))
            {
                return errno == ENOENT ? PolicyPathResult.Missing(entry)
                    : errno == EACCES ? PolicyPathResult.Failed(entry, $"cannot read its status: {Errno.Describe(errno)}; check it as root (sudo)")
                    : PolicyPathResult.Failed(entry, $"cannot read its status: {Errno.Describe(errno)}");
            }

            if (WriterProblem(current, directory, entry, status) is { } writable)
            {
                return writable;
            }

            if (status.IsSymbolicLink)
            {
                if (++links > MaxSymbolicLinks)
                {
                    return PolicyPathResult.Failed(path, $"more than {MaxSymbolicLinks} symbolic links on the way; the links form a loop. Point it at the real file");
                }

                string target;
                try
                {
                    target = ProcessFiles.ReadLink(entry);
                }
                catch (SystemCallException e)
                {
                    return PolicyPathResult.Failed(entry, $"cannot read the symbolic link: {e.Message}");
                }

                Push(pending, target);
                if (target.StartsWith('/'))
                {
                    current = "/";
                    _ = FileStatus.TryRead(current, followSymbolicLink: false, out directory, out _);
                }

                continue;
            }

            if (OwnerProblem(entry, status) is { } owner)
            {
                return owner;
            }

            if (pending.Count == 0)
            {
                return PolicyPathResult.Resolved(entry, status);
            }

            if (!status.IsDirectory)
            {
                return PolicyPathResult.Failed(entry, $"is {status.Kind}, not a directory, but the path goes on beyond it");
            }

            current = entry;
            directory = status;
        }

        return PolicyPathResult.Resolved(current, directory);
    }

    /// <summary>A file or directory others may write: what to run so they cannot.</summary>
    public static string? ModeProblem(string path, FileStatus status) => status.WritableByGroupOrOthers
        ? $"is writable by its group or by anyone (mode {status.OctalPermissions}), so another user could grant itself any port; run: chmod go-w {path}"
        : null;

    private PolicyPathResult? OwnerProblem(string entry, FileStatus status)
    {
        if (Trusted(status.Uid))
        {
            return null;
        }

        string owners = _trustedUid == 0 ? "root" : string.Create(CultureInfo.InvariantCulture, $"root or uid {_trustedUid} (the user privport runs as)");
        return PolicyPathResult.Failed(entry, string.Create(CultureInfo.InvariantCulture,
            $"is owned by uid {status.Uid}, not by {owners}, so that user could change the policy; run: chown root {entry}"));
    }

    // The entry's directory must be writable only by trusted users, or be sticky with the entry owned by one of them.
    private PolicyPathResult? WriterProblem(string directory, FileStatus directoryStatus, string entry, FileStatus status)
    {
        if (!directoryStatus.WritableByGroupOrOthers)
        {
            return null;
        }

        if (directoryStatus.IsSticky && Trusted(status.Uid))
        {
            return null;
        }

        return PolicyPathResult.Failed(directory, directoryStatus.IsSticky
            ? string.Create(CultureInfo.InvariantCulture,
                $"is a sticky directory anyone may write, and {entry} in it is owned by uid {status.Uid}, who could replace it; run: chown root {entry}, or move the policy to a directory only root can write")
            : $"is writable by its group or by anyone (mode {directoryStatus.OctalPermissions}), so another user could replace {entry}; run: chmod go-w {directory}");
    }

    private bool Trusted(uint uid) => uid == 0 || uid == _trustedUid;

    private static void Push(Stack<string> pending, string path)
    {
        string[] names = path.Split('/');
        for (int i = names.Length - 1; i >= 0; i--)
        {
            pending.Push(names[i]);
        }
    }
}
