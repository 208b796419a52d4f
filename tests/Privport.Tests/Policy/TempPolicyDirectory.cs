namespace Privport.Tests.Policy;

/// <summary>A scratch directory for policy files, deleted on dispose.</summary>
internal sealed class TempPolicyDirectory : IDisposable
{
    public TempPolicyDirectory()
    {
        Root = Directory.CreateTempSubdirectory("privport-policy-").FullName;
    }

    public string Root { get; }

    /// <summary>Writes <paramref name="text"/> to <paramref name="relativePath"/> (creating folders) and returns the full path.</summary>
    public string Write(string relativePath, string text)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
