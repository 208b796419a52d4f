using System.Globalization;

namespace Privport.HostFacts;

/// <summary>
/// The sysctls that decide a bind, as /proc/sys shows them to this process: the values of the network namespace
/// the doctor runs in, which is the namespace its reproduction binds in.
/// </summary>
internal sealed record KernelSettings(int? UnprivilegedPortStart, (int Low, int High)? LocalPortRange, bool? BindV6Only, bool? NonlocalBindV4, bool? NonlocalBindV6, bool NoFileCaps, string? NetworkNamespace)
{
    public const string UnprivilegedPortStartPath = "/proc/sys/net/ipv4/ip_unprivileged_port_start";

    public static KernelSettings Read(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        int? Number(string path) => root.ReadFirstLine(path) is { } line
            && int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

        (int, int)? range = null;
        if (root.ReadFirstLine("/proc/sys/net/ipv4/ip_local_port_range") is { } text
            && text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is [{ } low, { } high]
            && int.TryParse(low, CultureInfo.InvariantCulture, out int l) && int.TryParse(high, CultureInfo.InvariantCulture, out int h))
        {
            range = (l, h);
        }

        string? netns = null;
        try
        {
            netns = new FileInfo(root.Path("/proc/self/ns/net")).LinkTarget;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return new KernelSettings(
            Number(UnprivilegedPortStartPath),
            range,
            Number("/proc/sys/net/ipv6/bindv6only") is { } v6only ? v6only != 0 : null,
            Number("/proc/sys/net/ipv4/ip_nonlocal_bind") is { } nonlocal4 ? nonlocal4 != 0 : null,
            Number("/proc/sys/net/ipv6/ip_nonlocal_bind") is { } nonlocal6 ? nonlocal6 != 0 : null,
            root.ReadFirstLine("/proc/cmdline") is { } cmdline && cmdline.Split(' ').Contains("no_file_caps"),
            netns);
    }
}
