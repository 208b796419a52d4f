namespace Privport.Tests.Systemd;

/// <summary>
/// The cgroups one run of the container lives in: systemd-nspawn --keep-unit puts the container in its caller's
/// cgroup, so the caller is moved into cgroups of its own first (in the cgroup2 hierarchy, and in the v1
/// name=systemd one on a hybrid host) and they are removed, with anything still in them, afterwards.
/// </summary>
internal sealed class ContainerCgroups
{
    private const string Prefix = "privport-system-tests.";

    private ContainerCgroups(string unified, string? named)
    {
        Unified = unified;
        Named = named;
    }

    /// <summary>The cgroup2 directory: payload/init.scope inside it holds the container's PID 1.</summary>
    public string Unified { get; }

    /// <summary>The v1 name=systemd directory on a hybrid host, else null.</summary>
    public string? Named { get; }

    public string InitScopeProcs => Path.Combine(Unified, "payload", "init.scope", "cgroup.procs");

    /// <summary>The hierarchies' mount points, from /proc/self/mountinfo; null when there is no cgroup2 mount.</summary>
    public static (string Unified, string? Named)? FindMounts()
    {
        string? unified = null, named = null;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] halves = line.Split(" - ", 2);
            if (halves.Length != 2)
            {
                continue;
            }

            string mountPoint = halves[0].Split(' ')[4];
            string[] tail = halves[1].Split(' ');
            if (tail[0] == "cgroup2")
            {
                unified ??= mountPoint;
            }
            else if (tail[0] == "cgroup" && tail.Length > 2 && tail[2].Split(',').Contains("name=systemd"))
            {
                named ??= mountPoint;
            }
        }

        return unified is null ? null : (unified, named);
    }

    /// <summary>Makes this run's cgroups, after removing those a killed run left behind.</summary>
    public static ContainerCgroups Create((string Unified, string? Named) mounts)
    {
        RemoveLeftovers(mounts.Unified);
        if (mounts.Named is not null)
        {
            RemoveLeftovers(mounts.Named);
        }

        string name = Prefix + Environment.ProcessId;
        string unified = Path.Combine(mounts.Unified, name);
        string? named = mounts.Named is null ? null : Path.Combine(mounts.Named, name);
        Directory.CreateDirectory(unified);
        if (named is not null)
        {
            Directory.CreateDirectory(named);
        }

        return new ContainerCgroups(unified, named);
    }

    /// <summary>Kills whatever is left in the cgroups (bounded) and removes them.</summary>
    public void Remove()
    {
        Remove(Unified);
        if (Named is not null)
        {
            Remove(Named);
        }
    }

    private static void RemoveLeftovers(string mount)
    {
        foreach (string directory in Directory.GetDirectories(mount, Prefix + "*"))
        {
            // Only a run whose test process is gone; a run of another test process still running keeps its own.
            if (int.TryParse(Path.GetFileName(directory)[Prefix.Length..], out int owner) && !Directory.Exists($"/proc/{owner}"))
            {
                Remove(directory);
            }
        }
    }

    private static void Remove(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        string kill = Path.Combine(directory, "cgroup.kill");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && Populated(directory))
        {
            if (File.Exists(kill))
            {
                File.WriteAllText(kill, "1");
            }
            else
            {
                KillEach(directory);
            }

            Thread.Sleep(100);
        }

        foreach (string child in Directory.GetDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(path => path.Length))
        {
            TryRemoveDirectory(child);
        }

        TryRemoveDirectory(directory);
    }

    private static bool Populated(string directory) =>
        Directory.GetFiles(directory, "cgroup.procs", SearchOption.AllDirectories)
            .Any(procs => File.ReadAllText(procs).Trim().Length > 0);

    // cgroup v1 has no cgroup.kill: the processes are listed and killed one by one.
    private static void KillEach(string directory)
    {
        foreach (string procs in Directory.GetFiles(directory, "cgroup.procs", SearchOption.AllDirectories))
        {
            foreach (string pid in File.ReadAllText(procs).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                    process.Kill();
                }
                catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
                {
                    // Gone meanwhile.
                }
            }
        }
    }

    private static void TryRemoveDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (IOException)
        {
            // Still busy after the bounded kill: the next run's leftover sweep retries.
        }
    }
}
