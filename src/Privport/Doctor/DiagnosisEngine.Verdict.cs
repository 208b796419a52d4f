using Privport.Doctor.Causes;
using Privport.HostFacts;

namespace Privport.Doctor;

internal sealed partial class DiagnosisEngine
{
    private static string Verdict(Situation s, List<Cause> causes)
    {
        string what = s.Errno is { } errno ? $"{s.Target}: {errno}" : s.Target;
        if (causes.Count > 0)
        {
            return $"{what} — {causes[0].Summary}";
        }

        if (s.Port is null)
        {
            return $"{what} — the message names no port: give the endpoint (e.g. privport doctor tcp/80 --explain ...) to check this host";
        }

        return s.Reproduction is { Bound: true } r
            ? $"{what} — no cause found: {s.Target} binds fine as {r.As} now"
            : $"{what} — no known cause found on this host";
    }

    /// <summary>One line naming what was checked and found clear, so an empty answer is not mistaken for an unchecked one.</summary>
    private static IEnumerable<string> Checked(Situation s, List<Cause> causes)
    {
        var clear = new List<string>();
        var found = causes.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        if (s.Facts.Kernel.UnprivilegedPortStart is { } start)
        {
            clear.Add($"net.ipv4.ip_unprivileged_port_start={start}");
        }

        if (!found.Contains(CauseIds.SelinuxPortType))
        {
            clear.Add($"SELinux {s.Facts.Selinux.Mode}{(s.Facts.Selinux.Denials.Count == 0 && s.Facts.Selinux.Mode is not ("disabled" or "unknown") ? ", no name_bind denial for the port" : "")}");
        }

        if (s.Facts.AppArmor is { } apparmor && !found.Contains(CauseIds.AppArmorDenied))
        {
            clear.Add(apparmor.Enabled ? "AppArmor enabled, no denial for a bind" : "AppArmor not enabled");
        }

        if (s.Port is not null && !found.Contains(CauseIds.PortInUse))
        {
            clear.Add($"nothing else holds {s.Protocol}/{s.Port}");
        }

        if (s.Endpoint is { } endpoint && !IsWildcard(endpoint.Address) && !found.Contains(CauseIds.AddressNotAvailable))
        {
            clear.Add($"{endpoint.Address} is an address of this host");
        }

        var container = s.Facts.Container;
        clear.Add(container.Runtime is { } runtime ? $"inside a {runtime} container" : "not in a container");
        if (container.InUserNamespace)
        {
            clear.Add($"in a user namespace (uid_map {container.UidMap})");
        }

        yield return "Checked: " + string.Join("; ", clear) + ".";
    }
}
