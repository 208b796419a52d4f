namespace Privport.Tests.Packaging;

/// <summary>Files of the repository under test, found from the test assembly upwards.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Packaging => Path.Combine(Root, "packaging");

    public static string UnitDirectory => Path.Combine(Packaging, "systemd");

    /// <summary>A tool from PATH or the usual system directories, or null.</summary>
    public static string? FindTool(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Privport.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Privport.slnx above {AppContext.BaseDirectory}");
    }
}
