namespace Privport.Kernel;

/// <summary>Mount points and file system types read from a mountinfo file (normally /proc/self/mountinfo).</summary>
internal sealed class MountInfo
{
    private readonly List<(string MountPoint, string FsType)> _mounts;

    private MountInfo(List<(string MountPoint, string FsType)> mounts) => _mounts = mounts;

    public static MountInfo Read(string path = "/proc/self/mountinfo")
    {
        var mounts = new List<(string, string)>();
        foreach (string line in File.ReadAllLines(path))
        {
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (fields.Length >= 6 && dash > 5 && dash + 1 < fields.Length)
            {
                mounts.Add((Unescape(fields[4]), fields[dash + 1]));
            }
        }

        return new MountInfo(mounts);
    }

    /// <summary>The first cgroup2 mount point, or null on a host without cgroup v2.</summary>
    public string? Cgroup2MountPoint =>
        _mounts.FirstOrDefault(m => m.FsType == "cgroup2").MountPoint;

    /// <summary>The type of the file system holding <paramref name="path"/> (the longest, latest mount point containing it).</summary>
    public string? FsTypeOf(string path)
    {
        (string MountPoint, string FsType)? best = null;
        foreach (var mount in _mounts)
        {
            bool contains = mount.MountPoint == "/" || path == mount.MountPoint
                || path.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);
            if (contains && (best is null || mount.MountPoint.Length >= best.Value.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best?.FsType;
    }

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
