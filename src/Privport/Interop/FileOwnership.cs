using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>A file's owner, group and permission bits (statx), which .NET does not expose.</summary>
internal readonly record struct FileOwnership(uint Uid, uint Gid, uint Mode)
{
    public static unsafe FileOwnership Read(string path)
    {
        byte* buffer = stackalloc byte[SizeOfStatx];
        if (statx(AT_FDCWD, path, 0, STATX_UID | STATX_GID | STATX_MODE, buffer) != 0)
        {
            throw SystemCallException.FromLastError($"statx {path}");
        }

        return new FileOwnership(
            *(uint*)(buffer + OffsetOfStxUid),
            *(uint*)(buffer + OffsetOfStxGid),
            *(ushort*)(buffer + OffsetOfStxMode));
    }
}
