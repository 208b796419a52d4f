using System.Diagnostics;

namespace Privport.Demo;

/// <summary>Starts a program as another uid through setpriv(1), with no supplementary groups.</summary>
internal static class UnprivilegedProcess
{
    private static readonly string[] SetprivLocations = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"];

    public static string? FindSetpriv() => SetprivLocations.FirstOrDefault(File.Exists);

    public static ProcessStartInfo StartInfo(string setpriv, uint uid, uint gid, string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(setpriv)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--reuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--regid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--clear-groups", "--", program })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (DemoStage.RuntimeRoot() is { } runtimeRoot)
        {
            info.Environment["DOTNET_ROOT"] = runtimeRoot;
        }

        info.Environment["HOME"] = "/";
        return info;
    }
}
