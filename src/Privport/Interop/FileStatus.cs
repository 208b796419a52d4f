using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>What statx(2) says about one file: type and permission bits, owner, identity (device and inode), size.</summary>
internal readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, ulong Device, ulong Inode, long Size)
{
    private const uint Mask = STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO | STATX_SIZE;

    public bool IsRegularFile => (Mode & S_IFMT) == S_IFREG;

    public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;

    public bool IsSymbolicLink => (Mode & S_IFMT) == S_IFLNK;

    public bool IsCharacterDevice => (Mode & S_IFMT) == S_IFCHR;

    public bool IsSticky => (Mode & S_ISVTX) != 0;

    /// <summary>The permission bits, 0 to 0777.</summary>
    public uint Permissions => Mode & 0x1FF;

    /// <summary>Writable by the file's group or by anyone (S_IWGRP | S_IWOTH).</summary>
    public bool WritableByGroupOrOthers => (Mode & 0x12) != 0;

    /// <summary>The kind of file in words, for messages: "a FIFO", "a directory".</summary>
    public string Kind => (Mode & S_IFMT) switch
    {
        S_IFREG => "a regular file",
        S_IFDIR => "a directory",
        S_IFLNK => "a symbolic link",
        0x1000 => "a FIFO",
        S_IFCHR => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "a file of unknown type",
    };

    /// <summary>
    /// The status of <paramref name="path"/>, or the errno that statx failed with. Unless
    /// <paramref name="followSymbolicLink"/>, a symbolic link is described itself, not its target (lstat).
    /// </summary>
    public static unsafe bool TryRead(string path, bool followSymbolicLink, out FileStatus status, out int errno)
    {
        byte* buffer = stackalloc byte[SizeOfStatx];
        if (statx(AT_FDCWD, path, followSymbolicLink ? 0 : AT_SYMLINK_NOFOLLOW, Mask, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            status = default;
            return false;
        }

        errno = 0;
        status = From(buffer);
        return true;
    }

    /// <summary>The status of the open file <paramref name="fd"/> (fstat).</summary>
    public static unsafe FileStatus Read(SafeHandle fd)
    {
        byte* buffer = stackalloc byte[SizeOfStatx];
        if (statx(fd, string.Empty, AT_EMPTY_PATH, Mask, buffer) != 0)
        {
            throw SystemCallException.FromLastError("statx (fstat)");
        }

        return From(buffer);
    }

    /// <summary>The permission bits as chmod(1) writes them: <c>0644</c>.</summary>
    public string OctalPermissions => "0" + Convert.ToString(Mode & 0xFFF, 8).PadLeft(3, '0');

    private static unsafe FileStatus From(byte* buffer) => new(
        *(ushort*)(buffer + OffsetOfStxMode),
        *(uint*)(buffer + OffsetOfStxUid),
        *(uint*)(buffer + OffsetOfStxGid),
        ((ulong)*(uint*)(buffer + OffsetOfStxDevMajor) << 32) | *(uint*)(buffer + OffsetOfStxDevMinor),
        *(ulong*)(buffer + OffsetOfStxIno),
        *(long*)(buffer + OffsetOfStxSize));
}
