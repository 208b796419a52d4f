using System.Globalization;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Client.Interop;

/// <summary>
/// Which file object a path leads to: device (major:minor) and inode, from statx following symlinks. Two paths with
/// the same identity are the same file, whatever their names; the same name in two mount namespaces need not be.
/// </summary>
internal readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    /// <summary>The identity of the file <paramref name="path"/> leads to; null when it cannot be read.</summary>
    public static unsafe FileIdentity? TryRead(string path)
    {
        byte* buffer = stackalloc byte[SizeOfStatx];

        // The device is part of every statx answer; the inode only if the file system filled it in.
        if (statx(AT_FDCWD, path, 0, STATX_INO, buffer) != 0 || (*(uint*)(buffer + OffsetOfStxMask) & STATX_INO) == 0)
        {
            return null;
        }

        return new FileIdentity(*(uint*)(buffer + OffsetOfStxDevMajor), *(uint*)(buffer + OffsetOfStxDevMinor), *(ulong*)(buffer + OffsetOfStxIno));
    }

    /// <summary><c>MAJOR:MINOR</c>, as /proc/PID/maps and <c>stat -c %Hd:%Ld</c> print it.</summary>
    public string Device => string.Create(CultureInfo.InvariantCulture, $"{DeviceMajor}:{DeviceMinor}");

    /// <summary><c>MAJOR:MINOR:INODE</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{DeviceMajor}:{DeviceMinor}:{Inode}");
}
