using System.Globalization;

namespace Privport.HostFacts;

/// <summary>
/// net.ipv4.ip_unprivileged_port_start: ports from it up bind without CAP_NET_BIND_SERVICE, so only the ports below it
/// need a kernel grant. The sysctl belongs to the network namespace of whoever reads it.
/// </summary>
internal static class UnprivilegedPortStart
{
    public const string SysctlPath = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

    /// <summary>
    /// The kernel's default, used when the sysctl cannot be seen: it does not exist before Linux 4.11, and a sandbox
    /// such as ProcSubset=pid hides /proc/sys.
    /// </summary>
    public const int Default = 1024;

    /// <summary>The value at <paramref name="path"/>; throws <see cref="IOException"/> when it cannot be read or is not a port.</summary>
    public static int Read(string path = SysctlPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // Missing on old kernels; hidden from a unit with ProcSubset=pid (privport.service), whose /proc shows
            // processes only. Ports from the default up then carry entries they may not need, which grant nothing more.
            return Default;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int start) || start > 65536)
        {
            throw new IOException($"{path} holds '{text}', not a port number from 0 to 65536; check the sysctl net.ipv4.ip_unprivileged_port_start");
        }

        return start;
    }
}
