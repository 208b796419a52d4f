namespace Privport.Broker;

/// <summary>
/// Where the cgroup v2 hierarchy is mounted, read from /proc/self/mountinfo (hybrid hosts mount it at
/// /sys/fs/cgroup/unified, pure v2 hosts at /sys/fs/cgroup), and a process's place in it, read from
/// /proc/PID/cgroup. The path there is relative to the reader's cgroup namespace, so the broker sees it as it would
/// create it.
/// </summary>
internal static class CgroupHierarchy
{
    /// <summary>The mount point of cgroup2, or null when it is not mounted.</summary>
    public static string? FindMount(string mountInfo = "/proc/self/mountinfo")
    {
        foreach (string line in File.ReadLines(mountInfo))
        {
            // "36 25 0:31 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw": the type follows " - ".
            int separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0 || !line.AsSpan(separator + 3).StartsWith("cgroup2 ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line[..separator].Split(' ');
            if (fields.Length >= 5 && fields[3] == "/")
            {
                return Unescape(fields[4]);
            }
        }

        return null;
    }

    /// <summary>
    /// The process's cgroup v2 path ("/user.slice/user-1000.slice/session-2.scope"), or null with the reason when it
    /// has none this process may use: no v2 line, a path outside the reader's cgroup namespace ("/.."), or the file is
    /// gone with the process.
    /// </summary>
    public static string? ReadProcessPath(int pid, out string? problem, string procRoot = "/proc")
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"{procRoot}/{pid}/cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read {procRoot}/{pid}/cgroup: {e.Message}";
            return null;
        }

        foreach (string line in lines)
        {
            if (!line.StartsWith("0::", StringComparison.Ordinal))
            {
                continue;
            }

            string path = line[3..];
            if (!path.StartsWith('/') || path.Split('/').Any(part => part is ".." or "."))
            {
                problem = $"process {pid} is in cgroup {path}, outside the broker's cgroup namespace";
                return null;
            }

            problem = null;
            return path;
        }

        problem = $"process {pid} has no cgroup v2 entry in {procRoot}/{pid}/cgroup (cgroup v1 only?)";
        return null;
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new System.Text.StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }
}
