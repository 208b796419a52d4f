using System.Globalization;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>Processes now running a given executable (their /proc/PID/exe), with their status.</summary>
internal static class RunningInstances
{
    public static IReadOnlyList<(int Pid, ProcessStatus Status)> Of(HostRoot root, string realPath, int limit = 8)
    {
        ArgumentNullException.ThrowIfNull(root);
        var found = new List<(int, ProcessStatus)>();
        try
        {
            foreach (string directory in Directory.EnumerateDirectories(root.Path("/proc")))
            {
                if (found.Count >= limit)
                {
                    break;
                }

                if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                {
                    continue;
                }

                try
                {
                    if (new FileInfo(Path.Combine(directory, "exe")).LinkTarget == realPath
                        && ProcessStatus.Read(root, pid.ToString(CultureInfo.InvariantCulture)) is { } status)
                    {
                        found.Add((pid, status));
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        catch (IOException)
        {
        }

        return found;
    }
}
