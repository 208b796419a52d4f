using System.Runtime.InteropServices;

namespace Privport.Launch;

/// <summary>
/// How to run a privport binary as a command: its file, and the arguments that come before a verb. A framework-dependent
/// build started as <c>dotnet privport.dll</c> is the dotnet host followed by the assembly; an apphost or NativeAOT
/// binary is the file alone.
/// </summary>
internal sealed record PrivportExecutable(string FileName, IReadOnlyList<string> LeadingArguments)
{
    /// <summary>This process's own privport.</summary>
    /// <exception cref="InvalidOperationException">The runtime cannot tell which file this process runs.</exception>
    public static PrivportExecutable Current() =>
        At(Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where the privport executable is (no /proc/self/exe?)"));

    /// <summary>The privport binary at <paramref name="path"/>; the dotnet host that runs this process means this process's assembly.</summary>
    public static PrivportExecutable At(string path) =>
        Path.GetFileName(path) == "dotnet" && path == Environment.ProcessPath
            ? new PrivportExecutable(path, [Environment.GetCommandLineArgs()[0]])
            : new PrivportExecutable(path, []);

    /// <summary>The dotnet installation a JIT build runs from, so a child finds it from a minimal environment; null for NativeAOT.</summary>
    public static string? RuntimeRoot()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var candidate = new DirectoryInfo(runtimeDirectory.TrimEnd('/')).Parent?.Parent?.Parent;
        return candidate is not null && File.Exists(Path.Combine(candidate.FullName, "dotnet")) ? candidate.FullName : null;
    }
}
