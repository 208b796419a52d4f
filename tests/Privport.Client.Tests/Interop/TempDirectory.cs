namespace Privport.Client.Tests.Interop;

/// <summary>A directory of the test's own, removed with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("privport-test-");

    public string Path => directory.FullName;

    public string File(string name) => System.IO.Path.Combine(directory.FullName, name);

    public void Dispose() => directory.Delete(recursive: true);
}
