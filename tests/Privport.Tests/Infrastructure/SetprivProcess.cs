using System.Diagnostics;
using System.Globalization;
using Privport.Demo;
using Privport.Launch;

namespace Privport.Tests.Infrastructure;

/// <summary>
/// Starts a test's attacker or service as another uid through setpriv(1), with the supplementary groups given (none
/// by default), in a session of its own (setsid(1)), stdin not a terminal, and a minimal environment. util-linux
/// rather than privport's own drop: a test of privport must not depend on the code it tests to set up its clients.
/// </summary>
public static class SetprivProcess
{
    private static readonly string[] SetprivLocations = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"];
    private static readonly string[] SetsidLocations = ["/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid"];

    /// <summary>setpriv(1), when setsid(1) is there too (both come with util-linux); null otherwise.</summary>
    public static string? FindSetpriv() => SetsidLocations.Any(File.Exists) ? SetprivLocations.FirstOrDefault(File.Exists) : null;

    public static ProcessStartInfo StartInfo(string setpriv, uint uid, uint gid, string program, IEnumerable<string> arguments, IReadOnlyList<uint>? groups = null)
    {
        var info = new ProcessStartInfo(SetsidLocations.First(File.Exists))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // setsid(1) execs without forking: a child of Process.Start is never a process group leader.
        foreach (string argument in new[] { setpriv, "--reuid", uid.ToString(CultureInfo.InvariantCulture), "--regid", gid.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        if (groups is { Count: > 0 })
        {
            info.ArgumentList.Add("--groups");
            info.ArgumentList.Add(string.Join(',', groups));
        }
        else
        {
            info.ArgumentList.Add("--clear-groups");
        }

        info.ArgumentList.Add("--");
        info.ArgumentList.Add(program);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        string? language = Environment.GetEnvironmentVariable("LANG");
        info.Environment.Clear();
        info.Environment["PATH"] = ProgramEnvironment.DefaultPath;
        info.Environment["HOME"] = "/";
        if (language is not null)
        {
            info.Environment["LANG"] = language;
        }

        if (DemoStage.RuntimeRoot() is { } runtimeRoot)
        {
            info.Environment["DOTNET_ROOT"] = runtimeRoot;
        }

        return info;
    }

    /// <summary>Starts <paramref name="info"/> with stdin a pipe at end of file: the program reads nothing from the test.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        info.RedirectStandardInput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        process.StandardInput.Close();
        return process;
    }
}
