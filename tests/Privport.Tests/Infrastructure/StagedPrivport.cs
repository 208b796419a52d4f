using Privport.Demo;

[assembly: AssemblyFixture(typeof(Privport.Tests.Infrastructure.StagedPrivport))]

namespace Privport.Tests.Infrastructure;

/// <summary>
/// A world-readable copy of the privport build, made once per test run, so tests can run it as unprivileged uids
/// whatever directory the repository was cloned into.
/// </summary>
public sealed class StagedPrivport : IDisposable
{
    private readonly DemoStage _stage;

    /// <summary>Set by test.sh to the NativeAOT binary, so the tests exercise what ships.</summary>
    public const string ExecutableVariable = "PRIVPORT_TEST_EXECUTABLE";

    public StagedPrivport()
    {
        string source = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } published
            ? published
            : Path.Combine(AppContext.BaseDirectory, "privport");
        _stage = DemoStage.Create("privport-tests-", source);
        Impostor = _stage.CopyExecutableAs("impostor");
    }

    /// <summary>The privport executable.</summary>
    public string Executable => _stage.Executable;

    /// <summary>The same program under another path: what a rule naming <see cref="Executable"/> must refuse.</summary>
    public string Impostor { get; }

    public string Directory => _stage.Directory;

    public void Dispose() => _stage.Dispose();
}
