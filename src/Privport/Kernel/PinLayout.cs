using System.Net.Sockets;
using System.Text;

namespace Privport.Kernel;

/// <summary>
/// Where the store pins its objects: &lt;root&gt;/events, &lt;root&gt;/dropped, and per scope
/// &lt;root&gt;/units/&lt;unit&gt;/ or &lt;root&gt;/cgroups/&lt;escaped path&gt;/ holding bind4, bind6, grants and scope
/// (the scope's number, so it survives a restart of privport).
/// </summary>
internal static class PinLayout
{
    public const string Events = "events", Dropped = "dropped", Units = "units", Cgroups = "cgroups";
    public const string Bind4 = "bind4", Bind6 = "bind6", Grants = "grants", ScopeNumber = "scope";

    public static string ScopeDirectory(string pinRoot, GrantScope scope) => scope.Kind switch
    {
        GrantScopeKind.Unit => Path.Combine(pinRoot, Units, EscapeCgroupPath(CheckedUnit(scope.Name))),
        GrantScopeKind.Cgroup => Path.Combine(pinRoot, Cgroups, EscapeCgroupPath(scope.Name)),
        _ => throw new ArgumentException($"{scope} is not pinned: enrolments live only as long as their link", nameof(scope)),
    };

    public static string ProgramName(AddressFamily family) => family == AddressFamily.InterNetwork ? Bind4 : Bind6;

    /// <summary>Every byte outside [A-Za-z0-9_@-] becomes %XX, so a path maps to one directory name and back. Dots too:
    /// bpffs refuses to look up any name with a dot in it (EPERM, "reserved for future use"), so "caddy.service" cannot
    /// be a directory there.</summary>
    public static string EscapeCgroupPath(string path)
    {
        var text = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(path))
        {
            char c = (char)b;
            bool plain = char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '@';
            text.Append(plain ? c.ToString() : $"%{b:X2}");
        }

        return text.ToString();
    }

    public static string UnescapeCgroupPath(string name)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == '%' && i + 2 < name.Length)
            {
                bytes.Add(Convert.ToByte(name.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)name[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string CheckedUnit(string unit) =>
        unit.Length == 0 || unit.Contains('/') || unit.Contains('\0') || unit is "." or ".."
            ? throw new KernelGrantException($"'{unit}' is not a systemd unit name; a unit name has no '/' and is not '.' or '..'.")
            : unit;
}
