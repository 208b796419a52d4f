namespace Privport.HostFacts;

/// <summary>realpath(3) in managed code: resolves every symlink and <c>..</c> of an absolute path; a missing tail is kept.</summary>
internal static class RealPath
{
    /// <summary>As the kernel's MAXSYMLINKS: more links than this is a loop.</summary>
    private const int MaxLinks = 40;

    /// <summary>The resolved path, or null when the links loop.</summary>
    public static string? Resolve(string absolutePath)
    {
        var resolved = new List<string>();
        var pending = new Stack<string>();
        PushComponents(pending, absolutePath);
        int links = 0;
        while (pending.TryPop(out string? component))
        {
            if (component.Length == 0 || component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            string candidate = Join(resolved) + "/" + component;
            string? target = LinkTarget(candidate);
            if (target is null)
            {
                resolved.Add(component);
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            PushComponents(pending, target);
        }

        return resolved.Count == 0 ? "/" : Join(resolved);
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable or not a directory on the way: nothing to resolve there, as for a missing file.
            return null;
        }
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        string[] components = path.Split('/');
        for (int i = components.Length - 1; i >= 0; i--)
        {
            pending.Push(components[i]);
        }
    }

    private static string Join(List<string> components) => components.Count == 0 ? string.Empty : "/" + string.Join('/', components);
}
