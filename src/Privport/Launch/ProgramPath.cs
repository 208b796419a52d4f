using Privport.Interop;

namespace Privport.Launch;

/// <summary>Finds a command as execvp(3) would: a path as given, or the first executable match in $PATH.</summary>
internal static class ProgramPath
{
    private const uint Execute = 1;

    /// <summary>
    /// The program <paramref name="command"/> names. With <paramref name="runAs"/>, $PATH is searched as that user
    /// would search it: a directory the user cannot search, or a file it cannot execute, is passed over as execvp
    /// passes it over, so a root-only directory early in root's PATH (a pyenv shim in /root) does not hide the
    /// program the user can run.
    /// </summary>
    public static string? Resolve(string command, string? searchPath, TargetAccount? runAs = null)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        }

        foreach (string directory in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, command);
            if (!File.Exists(candidate) || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            {
                continue;
            }

            if (runAs is null || runAs.IsRoot || CanExecute(Path.GetFullPath(candidate), runAs))
            {
                return candidate;
            }
        }

        return null;
    }

    // The mode bits the kernel would apply to the account: owner's, else group's (primary or supplementary), else
    // others'. ACLs are not read; a program they would refuse still fails, at exec, with EACCES.
    private static bool CanExecute(string path, TargetAccount account)
    {
        for (string? directory = Path.GetDirectoryName(path); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (!FileStatus.TryRead(directory, followSymbolicLink: true, out var status, out _) || !Allows(status, account))
            {
                return false;
            }
        }

        return FileStatus.TryRead(path, followSymbolicLink: true, out var file, out _) && file.IsRegularFile && Allows(file, account);
    }

    private static bool Allows(FileStatus status, TargetAccount account)
    {
        int shift = status.Uid == account.Uid ? 6 : status.Gid == account.Gid || account.Groups.Contains(status.Gid) ? 3 : 0;
        return ((status.Mode >> shift) & Execute) != 0;
    }
}
