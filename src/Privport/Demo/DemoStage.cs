
namespace Privport.Demo;

/// <summary>
/// A world-readable temporary directory holding a copy of privport, so an unprivileged uid can run it even when the
/// build lives under a directory only root may enter (such as /root).
/// </summary>
internal sealed class DemoStage : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecutableMode = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private DemoStage(string directory, string executable)
    {
        Directory = directory;
        Executable = executable;
    }

    public string Directory { get; }

    /// <summary>The staged privport executable.</summary>
    public string Executable { get; }

    public static DemoStage Create(string prefix) =>
        Create(prefix, Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where the privport executable is"));

    /// <param name="prefix">Start of the temporary directory's name.</param>
    /// <param name="source">The privport executable; its .dll and .json neighbours come along.</param>
    public static DemoStage Create(string prefix, string source)
    {
        var root = System.IO.Directory.CreateTempSubdirectory(prefix);
        File.SetUnixFileMode(root.FullName, ExecutableMode);
        string app = Path.Combine(root.FullName, "app");
        System.IO.Directory.CreateDirectory(app, ExecutableMode);
        string sourceDirectory = Path.GetDirectoryName(source)!;
        foreach (string file in System.IO.Directory.EnumerateFiles(sourceDirectory))
        {
            string name = Path.GetFileName(file);
            bool needed = file == source || name == Launch.PreloadShim.FileName
                || name.EndsWith(".dll", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal);
            if (needed)
            {
                string target = Path.Combine(app, name);
                File.Copy(file, target);
                File.SetUnixFileMode(target, file == source ? ExecutableMode : Readable);
            }
        }

        return new DemoStage(root.FullName, Path.Combine(app, Path.GetFileName(source)));
    }

    /// <summary>A second copy of the executable under another name: same code, different binary path.</summary>
    public string CopyExecutableAs(string name)
    {
        string target = Path.Combine(Path.GetDirectoryName(Executable)!, name);
        File.Copy(Executable, target, overwrite: true);
        File.SetUnixFileMode(target, ExecutableMode);
        return target;
    }

    /// <summary>
    /// DOTNET_ROOT for a framework-dependent privport, so the copy finds the runtime whatever the child's environment.
    /// </summary>
    public static string? RuntimeRoot() => Launch.PrivportExecutable.RuntimeRoot();

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
