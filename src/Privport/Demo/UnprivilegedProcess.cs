using System.Diagnostics;

namespace Privport.Demo;

/// <summary>The demo's name for <see cref="Launch.UnprivilegedProcess"/>, which starts a program as another uid.</summary>
internal static class UnprivilegedProcess
{
    public static string? FindSetpriv() => Launch.UnprivilegedProcess.FindSetpriv();

    public static ProcessStartInfo StartInfo(string setpriv, uint uid, uint gid, string program, IEnumerable<string> arguments) =>
        Launch.UnprivilegedProcess.StartInfo(setpriv, uid, gid, program, arguments);

    public static Process Start(ProcessStartInfo info) => Launch.UnprivilegedProcess.Start(info);
}
