namespace Privport.Kernel;

/// <summary>Finds cgroup directories in the cgroup v2 hierarchy: by path, or a systemd unit's by name.</summary>
internal static class CgroupDirectory
{
    private const int MaxDepth = 5;
    private const int MaxDirectories = 20000;

    public static string OfPath(string cgroup2Mount, string path) =>
        Path.Combine(cgroup2Mount, path.TrimStart('/'));

    /// <summary>The directories named after a unit (systemd places a unit's cgroup under its slice), searched a bounded depth.</summary>
    public static List<string> OfUnit(string cgroup2Mount, string unit)
    {
        var found = new List<string>();
        var pending = new Queue<(string Dir, int Depth)>();
        pending.Enqueue((cgroup2Mount, 0));
        int seen = 0;
        while (pending.Count > 0 && seen++ < MaxDirectories)
        {
            var (dir, depth) = pending.Dequeue();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (string child in children)
            {
                if (Path.GetFileName(child) == unit)
                {
                    found.Add(child);
                }
                else if (depth + 1 < MaxDepth)
                {
                    pending.Enqueue((child, depth + 1));
                }
            }
        }

        return found;
    }
}
