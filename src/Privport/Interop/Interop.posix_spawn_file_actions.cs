using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Opaque to privport: only glibc looks inside; the size is checked against the C headers.
        internal const int SizeOfPosixSpawnFileActions = 80;

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawn_file_actions_init(byte* file_actions);

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawn_file_actions_destroy(byte* file_actions);

        [LibraryImport(Name)]
        internal static unsafe partial int posix_spawn_file_actions_adddup2(byte* file_actions, int fd, int newfd);

        [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int posix_spawn_file_actions_addopen(byte* file_actions, int fd, string path, int oflag, uint mode);
    }
}
