using System.Net.Sockets;
using System.Text;
using Privport.Kernel;

namespace Privport.Systemd;

/// <summary>
/// The drop-in that puts a unit under its kernel grant: it pulls privport.service in and orders the unit after it
/// (privport.service is Type=notify and says READY only once the pinned programs hold the policy's grants), and
/// asks systemd to attach the pinned programs to the unit's cgroup before ExecStart (BPFProgram=, systemd 249).
/// <c>privport kernel generate</c> writes one per unit the policy names; the broker compares what is in place with its
/// policy and says which units wait for <c>systemctl daemon-reload</c>.
/// </summary>
internal static class KernelGrantDropIn
{
    public const string FileName = "50-privport-kernel-grant.conf";

    /// <summary>The broker's own drop-in, which gives it what kernel grants take: a copy of the packaged
    /// kernel-grants.conf.</summary>
    public const string BrokerFileName = "50-privport-kernel-grants.conf";

    /// <summary>The packaged broker drop-in, relative to the directory of the privport executable.</summary>
    public const string PackagedBrokerDropIn = "../share/privport/kernel-grants.conf";

    public const string BrokerUnit = "privport.service";

    /// <summary>Where systemd runs generators with their first argument, the "normal" output directory.</summary>
    public const string GeneratorDirectory = "/run/systemd/generator";

    /// <summary>Exists while systemd is the service manager (sd_booted(3)).</summary>
    public const string SystemdRunningMarker = "/run/systemd/system";

    public static string Text(string unit, string pinRoot, string policyPath)
    {
        var text = new StringBuilder();
        text.Append("# Written by 'privport kernel generate' from ").Append(policyPath).Append(": binds of this unit are granted\n");
        text.Append("# in the kernel by privport's pinned programs. Edit the policy, not this file.\n");
        text.Append("[Unit]\nWants=privport.service\nAfter=privport.service\n\n[Service]\n");
        // Pin directories escape dots as %2E; in a unit file % starts a specifier, so it is doubled.
        text.Append("BPFProgram=bind4:").Append(Specifiers(KernelGrantStore.ProgramPinPath(pinRoot, GrantScope.Unit(unit), AddressFamily.InterNetwork))).Append('\n');
        text.Append("BPFProgram=bind6:").Append(Specifiers(KernelGrantStore.ProgramPinPath(pinRoot, GrantScope.Unit(unit), AddressFamily.InterNetworkV6))).Append('\n');
        return text.ToString();
    }

    private static string Specifiers(string path) => path.Replace("%", "%%", StringComparison.Ordinal);

    /// <summary>The units of <paramref name="plan"/>, in name order.</summary>
    public static List<string> Units(KernelGrantPlan plan)
    {
        var units = new List<string>();
        foreach (var scope in plan.Scopes.Keys)
        {
            if (scope.Kind == GrantScopeKind.Unit)
            {
                units.Add(scope.Name);
            }
        }

        units.Sort(StringComparer.Ordinal);
        return units;
    }

    /// <summary>
    /// What systemd has not picked up yet: units of the plan without the drop-in (their binds are not granted until
    /// <c>systemctl daemon-reload</c> and a restart of the unit), and drop-ins left for units the plan no longer names
    /// (they point at pins that are gone). Empty when systemd is not running.
    /// </summary>
    public static List<string> AwaitingDaemonReload(KernelGrantPlan plan, string pinRoot, string generatorDirectory = GeneratorDirectory, string systemdMarker = SystemdRunningMarker)
    {
        var messages = new List<string>();
        if (!Directory.Exists(systemdMarker))
        {
            return messages;
        }

        var units = Units(plan);
        foreach (string unit in units)
        {
            string path = Path.Combine(generatorDirectory, unit + ".d", FileName);
            string expected = Specifiers(KernelGrantStore.ProgramPinPath(pinRoot, GrantScope.Unit(unit), AddressFamily.InterNetwork));
            if (!File.Exists(path) || !File.ReadAllText(path).Contains(expected, StringComparison.Ordinal))
            {
                messages.Add($"unit {unit} is named by the policy but systemd has not read its kernel-grant drop-in: run 'systemctl daemon-reload', then 'systemctl restart {unit}'");
            }
        }

        if (Directory.Exists(generatorDirectory))
        {
            foreach (string directory in Directory.EnumerateDirectories(generatorDirectory, "*.d"))
            {
                string unit = Path.GetFileName(directory)[..^2];
                if (File.Exists(Path.Combine(directory, FileName)) && units.BinarySearch(unit, StringComparer.Ordinal) < 0)
                {
                    messages.Add($"unit {unit} still has a kernel-grant drop-in though the policy no longer names it: run 'systemctl daemon-reload'");
                }
            }
        }

        return messages;
    }
}
