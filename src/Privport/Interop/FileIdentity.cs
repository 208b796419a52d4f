using System.Globalization;

namespace Privport.Interop;

/// <summary>
/// Which file object a path leads to: device (major:minor) and inode, from statx following symlinks. Two paths with
/// the same identity are the same file, whatever their names; the same name in two mount namespaces need not be.
/// </summary>
internal readonly record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    /// <summary>The identity of the file <paramref name="path"/> leads to; null when it cannot be read.</summary>
    public static FileIdentity? TryRead(string path) =>
        FileStatus.TryRead(path, followSymbolicLink: true, out var status, out _)
            ? new FileIdentity((uint)(status.Device >> 32), (uint)status.Device, status.Inode)
            : null;

    /// <summary><c>MAJOR:MINOR</c>, as /proc/PID/maps and <c>stat -c %Hd:%Ld</c> print it.</summary>
    public string Device => string.Create(CultureInfo.InvariantCulture, $"{DeviceMajor}:{DeviceMinor}");

    /// <summary><c>MAJOR:MINOR:INODE</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{DeviceMajor}:{DeviceMinor}:{Inode}");
}
