using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Launch;

/// <summary>
/// Starts a program in a session of its own (posix_spawn with POSIX_SPAWN_SETSID), stdin from /dev/null when
/// asked, and pipes on chosen descriptors; everything else as this process has it. posix_spawn rather than fork:
/// after fork only async-signal-safe code may run in the child of a multithreaded process, and managed code is not.
/// </summary>
internal static class DetachedSpawn
{
    /// <returns>The child's pid.</returns>
    /// <exception cref="SystemCallException">posix_spawn or its set-up failed.</exception>
    public static unsafe int Start(string path, string?[] argv, string?[] envp, bool stdinFromDevNull, IReadOnlyList<RelayedStream> pipes)
    {
        byte* actions = stackalloc byte[SizeOfPosixSpawnFileActions];
        byte* attributes = stackalloc byte[SizeOfPosixSpawnattr];
        byte* emptyMask = stackalloc byte[SizeOfSigset];
        new Span<byte>(emptyMask, SizeOfSigset).Clear();
        Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        try
        {
            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            try
            {
                if (stdinFromDevNull)
                {
                    Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0), "posix_spawn_file_actions_addopen /dev/null");
                }

                foreach (var pipe in pipes)
                {
                    foreach (int fd in pipe.ProgramDescriptors)
                    {
                        Check(posix_spawn_file_actions_adddup2(actions, pipe.WriteEnd.Fd, fd), "posix_spawn_file_actions_adddup2");
                    }
                }

                // The runtime's threads may block signals; the child starts with none blocked, as from a shell.
                Check(posix_spawnattr_setsigmask(attributes, emptyMask), "posix_spawnattr_setsigmask");
                Check(posix_spawnattr_setflags(attributes, (short)(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK)), "posix_spawnattr_setflags");
                int pid;
                Check(posix_spawn(&pid, path, actions, attributes, argv, envp), $"posix_spawn {path}");
                return pid;
            }
            finally
            {
                // Frees nothing on glibc; it cannot fail there.
                _ = posix_spawnattr_destroy(attributes);
            }
        }
        finally
        {
            _ = posix_spawn_file_actions_destroy(actions);
        }
    }

    // The posix_spawn family returns the error number rather than setting errno.
    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new SystemCallException(call, error);
        }
    }
}
