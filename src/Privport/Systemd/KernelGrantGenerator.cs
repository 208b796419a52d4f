using Privport.Kernel;

namespace Privport.Systemd;

/// <summary>
/// The systemd generator (systemd.generator(7)): writes <see cref="KernelGrantDropIn"/> for every unit of the plan
/// into the "normal" directory systemd passes. Generators run early at boot and on every daemon-reload; they must
/// not fail the boot, so the caller reports problems and exits 0.
/// </summary>
internal static class KernelGrantGenerator
{
    /// <returns>The units a drop-in was written for.</returns>
    public static List<string> Write(string normalDirectory, KernelGrantPlan plan, string pinRoot, string policyPath)
    {
        var units = KernelGrantDropIn.Units(plan);
        foreach (string unit in units)
        {
            // The policy loader validates unit names; this keeps a drop-in inside the directory whatever it let through.
            if (unit.Contains('/', StringComparison.Ordinal) || unit.StartsWith('.'))
            {
                throw new ArgumentException($"unit name {unit} cannot name a drop-in directory", nameof(plan));
            }

            string directory = Path.Combine(normalDirectory, unit + ".d");
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, KernelGrantDropIn.FileName);
            string temporary = path + ".tmp";
            File.WriteAllText(temporary, KernelGrantDropIn.Text(unit, pinRoot, policyPath));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temporary, path, overwrite: true);
        }

        return units;
    }
}
