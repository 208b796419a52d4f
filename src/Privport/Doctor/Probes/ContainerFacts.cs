using System.Globalization;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>
/// Whether the doctor runs inside a container (named as systemd's detection names it: /run/systemd/container or
/// PID 1's container= variable, else by docker's and podman's marker files and PID 1's cgroup) or a user namespace, and whether rootless port publishing
/// (rootlesskit, rootlessport) runs on this host: each changes which fix applies.
/// </summary>
internal sealed record ContainerFacts(string? Runtime, bool InUserNamespace, string? UidMap, IReadOnlyList<(int Pid, string Command)> RootlessPortProcesses)
{
    private static readonly string[] RootlessCommands = ["rootlesskit", "rootlessport", "slirp4netns", "pasta"];

    public static ContainerFacts Probe(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string cgroup = root.ReadText("/proc/1/cgroup") ?? "";
        string? runtime = Named(root.ReadFirstLine("/run/systemd/container"))
            ?? Named(ContainerVariable(root.ReadText("/proc/1/environ")))
            ?? (File.Exists(root.Path("/.dockerenv")) ? "docker"
            : File.Exists(root.Path("/run/.containerenv")) ? "podman"
            : cgroup.Contains("kubepods", StringComparison.Ordinal) ? "kubernetes"
            : cgroup.Contains("docker", StringComparison.Ordinal) ? "docker"
            : cgroup.Contains("libpod", StringComparison.Ordinal) ? "podman"
            : cgroup.Contains("lxc", StringComparison.Ordinal) ? "lxc"
            : null);

        // The initial user namespace maps all 2^32 uids onto themselves: "0 0 4294967295".
        string? uidMap = root.ReadText("/proc/self/uid_map")?.Trim();
        bool userNamespace = uidMap is not null
            && uidMap.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is not ["0", "0", "4294967295"];

        var rootless = new List<(int, string)>();
        try
        {
            foreach (string directory in Directory.EnumerateDirectories(root.Path("/proc")))
            {
                if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                    && root.ReadFirstLine($"/proc/{pid}/comm") is { } comm && RootlessCommands.Contains(comm))
                {
                    rootless.Add((pid, comm));
                }
            }
        }
        catch (IOException)
        {
        }

        return new ContainerFacts(runtime, userNamespace, uidMap, rootless);
    }

    /// <summary>
    /// The <c>container=</c> variable a container manager gives its PID 1 (systemd-nspawn, podman, lxc): its
    /// environment, NUL-separated; readable only by root or the same user, so also kept by systemd in
    /// /run/systemd/container, which anyone can read.
    /// </summary>
    private static string? ContainerVariable(string? environ)
    {
        foreach (string entry in (environ ?? "").Split('\0'))
        {
            if (entry.StartsWith("container=", StringComparison.Ordinal))
            {
                return entry["container=".Length..];
            }
        }

        return null;
    }

    // The value goes into the doctor's report: a short printable name or nothing.
    private static string? Named(string? value) =>
        value is { Length: > 0 and <= 64 } && value.All(c => c is > ' ' and < (char)127) ? value : null;
}
