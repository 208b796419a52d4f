namespace Privport.Policy;

/// <summary>
/// A cgroup named in a rule: an absolute path from the root of the cgroup v2 hierarchy, written normalised, so the
/// same cgroup is always written the same way and no path climbs out with <c>..</c>.
/// </summary>
internal static class CgroupPath
{
    /// <summary>NAME_MAX: each component is a directory name.</summary>
    private const int MaxComponentLength = 255;

    /// <summary>Null when <paramref name="path"/> is acceptable; otherwise what is wrong and what to write.</summary>
    public static string? Problem(string path)
    {
        if (!path.StartsWith('/'))
        {
            return $"'{path}' is not absolute; write the path from the cgroup v2 root, e.g. /{path} (see /proc/PID/cgroup)";
        }

        if (path == "/")
        {
            return "'/' is the root cgroup, which holds every process on the host; name the cgroup the program runs in, e.g. /system.slice/caddy.service";
        }

        if (path.AsSpan().ContainsAnyInRange('\0', '\x1f') || path.Contains('\x7f', StringComparison.Ordinal))
        {
            return $"'{path}' contains control characters; cgroup names are plain directory names";
        }

        string normal = Normalise(path);
        if (normal.Split('/').Contains(".."))
        {
            return $"'{path}' contains '..'; write the cgroup's own path from the root, without '..'";
        }

        if (normal == "/")
        {
            return $"'{path}' names the root cgroup, which holds every process on the host; name the cgroup the program runs in";
        }

        if (normal != path)
        {
            return $"'{path}' is not written in its plain form; write {normal}";
        }

        foreach (string component in path.Split('/'))
        {
            if (component.Length > MaxComponentLength)
            {
                return $"'{path}' has a component longer than {MaxComponentLength} characters, which no cgroup can have";
            }
        }

        return null;
    }

    /// <summary>Without empty and <c>.</c> components and without a trailing slash; <c>..</c> is left for the caller to refuse.</summary>
    private static string Normalise(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".");
        return "/" + string.Join('/', parts);
    }
}
