using System.Runtime.InteropServices;

namespace Privport.Client.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;
        internal const int STATX_MODE = 0x2;
        internal const int STATX_UID = 0x8;
        internal const int STATX_GID = 0x10;
        internal const int STATX_INO = 0x100;

        // struct statx has one layout on every architecture (linux/stat.h); only its first fields are read.
        internal const int SizeOfStatx = 256;
        internal const int OffsetOfStxMask = 0;
        internal const int OffsetOfStxUid = 20;
        internal const int OffsetOfStxGid = 24;
        internal const int OffsetOfStxMode = 28;
        internal const int OffsetOfStxIno = 32;
        internal const int OffsetOfStxDevMajor = 136;
        internal const int OffsetOfStxDevMinor = 140;

        [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);
    }
}
