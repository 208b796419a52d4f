namespace Privport.Tests.Policy;

/// <summary>The programs <see cref="PortPolicyModelTests"/> names in exe rules: made once per test run, never removed
/// while the run needs them (the directory is in the system's temporary folder).</summary>
internal static class ModelPrograms
{
    public static readonly string Directory = Create();

    private static string Create()
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("privport-model-").FullName;
        foreach (string name in new[] { "nginx", "python3", "other" })
        {
            File.WriteAllText(Path.Combine(directory, name), name);
        }

        File.CreateSymbolicLink(Path.Combine(directory, "nginx-alias"), Path.Combine(directory, "nginx"));
        return directory;
    }
}
