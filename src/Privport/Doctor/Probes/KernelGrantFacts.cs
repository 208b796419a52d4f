using System.Globalization;
using Privport.Kernel;
using Privport.HostFacts;

namespace Privport.Doctor.Probes;

/// <summary>
/// Whether this host can grant ports in the kernel (the store's own detection: kernel version, cgroup v2, bpffs,
/// bpf() allowed), and the systemd version, since units take their grant through BPFProgram= (systemd 249).
/// </summary>
internal sealed record KernelGrantFacts(bool Supported, IReadOnlyList<string> Problems, int? SystemdVersion)
{
    public const int SystemdWithBpfProgram = 249;

    public bool UnitsSupported => Supported && SystemdVersion >= SystemdWithBpfProgram;

    public static KernelGrantFacts Probe(IHostCommands commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var support = KernelGrantSupport.Detect();
        return new KernelGrantFacts(support.IsSupported, support.Problems, SystemdVersionOf(commands.Run("systemctl", "--version")));
    }

    /// <summary>"systemd 252 (252.39-1~deb12u2)" → 252.</summary>
    public static int? SystemdVersionOf(string? output)
    {
        string[] words = (output ?? "").Split('\n')[0].Split(' ');
        return words.Length >= 2 && words[0] == "systemd" && int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out int version) ? version : null;
    }

    /// <summary>One line for the doctor's notes.</summary>
    public string Describe() => Supported
        ? SystemdVersion is { } systemd
            ? systemd >= SystemdWithBpfProgram
                ? $"This host can grant privileged ports in the kernel (cgroup BPF), for systemd units (systemd {systemd}) and with privport wrap --kernel."
                : $"This host can grant privileged ports in the kernel with privport wrap --kernel; systemd {systemd} is older than {SystemdWithBpfProgram}, so units cannot take the grant (BPFProgram=)."
            : "This host can grant privileged ports in the kernel with privport wrap --kernel (no systemd found for units)."
        : $"Kernel grants are not available here: {string.Join("; ", Problems)}";
}
