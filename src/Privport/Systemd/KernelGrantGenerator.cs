using Privport.Kernel;

namespace Privport.Systemd;

/// <summary>
/// The systemd generator (systemd.generator(7)): writes <see cref="KernelGrantDropIn"/> for every unit of the plan
/// into the "normal" directory systemd passes, and, when there is any, the broker's own drop-in (a copy of the packaged
/// kernel-grants.conf) that gives privport.service what kernel grants take. Generators run early at boot and on every
/// daemon-reload; they must not fail the boot, so the caller reports problems and exits 0.
/// </summary>
internal static class KernelGrantGenerator
{
    /// <param name="brokerDropIn">The packaged kernel-grants.conf; null or missing: the broker's drop-in is not written.</param>
    /// <returns>The units a drop-in was written for.</returns>
    public static List<string> Write(string normalDirectory, KernelGrantPlan plan, string pinRoot, string policyPath, string? brokerDropIn)
    {
        var units = KernelGrantDropIn.Units(plan);
        foreach (string unit in units)
        {
            // The policy loader validates unit names; this keeps a drop-in inside the directory whatever it let through.
            if (unit.Contains('/', StringComparison.Ordinal) || unit.StartsWith('.'))
            {
                throw new ArgumentException($"unit name {unit} cannot name a drop-in directory", nameof(plan));
            }

            WriteFile(Path.Combine(normalDirectory, unit + ".d"), KernelGrantDropIn.FileName, KernelGrantDropIn.Text(unit, pinRoot, policyPath));
        }

        if (!plan.Scopes.IsEmpty && brokerDropIn is not null && File.Exists(brokerDropIn))
        {
            WriteFile(Path.Combine(normalDirectory, KernelGrantDropIn.BrokerUnit + ".d"), KernelGrantDropIn.BrokerFileName, File.ReadAllText(brokerDropIn));
        }

        return units;
    }

    private static void WriteFile(string directory, string name, string text)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temporary, path, overwrite: true);
    }
}
