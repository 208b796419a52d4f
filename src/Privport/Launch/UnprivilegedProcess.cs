using System.Diagnostics;
using System.Globalization;

namespace Privport.Launch;

/// <summary>
/// Starts a program as another user through <c>privport exec --user UID --group GID -- PROGRAM ARGS</c>, so that
/// privport becomes another user in one way only (<see cref="PrivilegeDrop"/>): the user's supplementary groups, gid
/// and uid, every capability set empty and no_new_privs; a session of its own with no terminal, and the minimal
/// environment of <see cref="ProgramEnvironment"/>. A process of that uid could otherwise type into root's terminal
/// (TIOCSTI) or read it, and root's variables would be handed to it. The caller must be root.
/// </summary>
internal static class UnprivilegedProcess
{
    // A framework-dependent privport, and a .NET program started by it, find the runtime through it.
    private const string RuntimeRootVariable = "DOTNET_ROOT";

    /// <param name="privport">The privport that drops privileges and execs the program, as root.</param>
    /// <param name="uid">The user to run as; its supplementary groups come from the user database, as for exec.</param>
    /// <param name="gid">The primary group, in place of the user's own (exec's <c>--group</c>).</param>
    public static ProcessStartInfo StartInfo(PrivportExecutable privport, uint uid, uint gid, string program, IEnumerable<string> arguments)
    {
        // Output is redirected, so neither stdout nor stderr is a terminal: exec leaves the session in place and
        // replaces itself with the program, and the process started here is the program (one pid, no relay).
        var info = new ProcessStartInfo(privport.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        foreach (string argument in privport.LeadingArguments)
        {
            info.ArgumentList.Add(argument);
        }

        string[] exec =
        [
            "exec", "--user", uid.ToString(CultureInfo.InvariantCulture), "--group", gid.ToString(CultureInfo.InvariantCulture),
            "--keep-env", RuntimeRootVariable, "--", program,
        ];
        foreach (string argument in exec.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        // exec itself runs as root from no more than it needs; the program's environment is built by exec from this.
        string? language = Environment.GetEnvironmentVariable("LANG");
        info.Environment.Clear();
        info.Environment["PATH"] = ProgramEnvironment.DefaultPath;
        if (language is not null)
        {
            info.Environment["LANG"] = language;
        }

        if (PrivportExecutable.RuntimeRoot() is { } runtimeRoot)
        {
            info.Environment[RuntimeRootVariable] = runtimeRoot;
        }

        return info;
    }

    /// <summary>Starts <paramref name="info"/> with stdin a pipe at end of file: the program reads nothing from the caller.</summary>
    public static Process Start(ProcessStartInfo info)
    {
        info.RedirectStandardInput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start");
        process.StandardInput.Close();
        return process;
    }
}
