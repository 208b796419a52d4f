using System.Reflection;

namespace Privport.Tests.AspNetCore;

/// <summary>A world-readable copy of the built KestrelOnPort80 sample, so an unprivileged uid can run it.</summary>
public sealed class StagedKestrelSample : IDisposable
{
    public StagedKestrelSample()
    {
        string built = typeof(StagedKestrelSample).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "KestrelSampleDirectory").Value!;
        Directory = System.IO.Directory.CreateTempSubdirectory("privport-kestrel-sample-").FullName;
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        foreach (string file in System.IO.Directory.GetFiles(built))
        {
            string copy = Path.Combine(Directory, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, (UnixFileMode)0b110_100_100);
        }

        Assembly = Path.Combine(Directory, "KestrelOnPort80.dll");
        Dotnet = Path.Combine(Demo.DemoStage.RuntimeRoot() ?? "/usr/share/dotnet", "dotnet");
    }

    public string Directory { get; }

    /// <summary>The sample's entry assembly, run with <see cref="Dotnet"/>.</summary>
    public string Assembly { get; }

    public string Dotnet { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
