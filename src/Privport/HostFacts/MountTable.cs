namespace Privport.HostFacts;

/// <summary>The mounts of /proc/self/mountinfo; which one holds a path and whether it is mounted nosuid.</summary>
internal sealed class MountTable
{
    private readonly List<(string MountPoint, string[] Options)> _mounts;

    private MountTable(List<(string MountPoint, string[] Options)> mounts)
    {
        _mounts = mounts;
    }

    public static MountTable Read(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var mounts = new List<(string, string[])>();
        foreach (string line in (root.ReadText("/proc/self/mountinfo") ?? "").Split('\n'))
        {
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            string[] fields = line.Split(' ');
            if (fields.Length >= 6)
            {
                mounts.Add((Unescape(fields[4]), fields[5].Split(',')));
            }
        }

        return new MountTable(mounts);
    }

    /// <summary>The mount point holding <paramref name="path"/> (the last, longest match: later mounts hide earlier ones) and its options.</summary>
    public (string MountPoint, bool NoSuid)? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        (string MountPoint, string[] Options)? best = null;
        foreach (var mount in _mounts)
        {
            bool contains = mount.MountPoint == "/" || path == mount.MountPoint
                || path.StartsWith(mount.MountPoint + "/", StringComparison.Ordinal);
            if (contains && (best is null || mount.MountPoint.Length >= best.Value.MountPoint.Length))
            {
                best = mount;
            }
        }

        return best is { } found ? (found.MountPoint, found.Options.Contains("nosuid")) : null;
    }

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
