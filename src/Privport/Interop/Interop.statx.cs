using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const int STATX_TYPE = 0x1;
        internal const int STATX_MODE = 0x2;
        internal const int STATX_UID = 0x8;
        internal const int STATX_GID = 0x10;
        internal const int STATX_INO = 0x100;
        internal const int STATX_SIZE = 0x200;

        internal const int S_IFMT = 0xF000;
        internal const int S_IFREG = 0x8000;
        internal const int S_IFDIR = 0x4000;
        internal const int S_IFLNK = 0xA000;
        internal const int S_IFCHR = 0x2000;
        internal const int S_ISVTX = 0x200;

        // struct statx has one layout on every architecture (linux/stat.h); only its first fields are read.
        internal const int SizeOfStatx = 256;
        internal const int OffsetOfStxMask = 0;
        internal const int OffsetOfStxUid = 20;
        internal const int OffsetOfStxGid = 24;
        internal const int OffsetOfStxMode = 28;
        internal const int OffsetOfStxIno = 32;
        internal const int OffsetOfStxSize = 40;
        internal const int OffsetOfStxDevMajor = 136;
        internal const int OffsetOfStxDevMinor = 140;

        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

        /// <summary>With <see cref="AT_EMPTY_PATH"/> and an empty path: the status of the open file <paramref name="dirfd"/>.</summary>
        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int statx(SafeHandle dirfd, string pathname, int flags, uint mask, byte* statxbuf);
    }
}
