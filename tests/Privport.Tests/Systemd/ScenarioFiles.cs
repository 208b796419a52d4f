using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>The scripts and files next to the scenarios, in the repository.</summary>
internal static class ScenarioFiles
{
    public static string Directory { get; } = Path.Combine(RepositoryFiles.Root, "tests", "Privport.Tests", "Systemd");
}
