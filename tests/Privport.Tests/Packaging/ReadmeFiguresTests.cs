using System.Text.RegularExpressions;

namespace Privport.Tests.Packaging;

/// <summary>The figures README.md states agree with the measurements bench/README.md records.</summary>
public sealed partial class ReadmeFiguresTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
    private static readonly string Bench = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "bench", "README.md"));

    [Fact]
    public void The_wrap_start_up_cost_is_the_measured_one()
    {
        var measured = BenchWrapStartUp().Match(Bench);
        var table = ReadmeWrapRow().Match(Readme);
        var summary = ReadmeWrapSummary().Match(Readme);

        Assert.True(measured.Success, "bench/README.md's start-up table has a `privport wrap -- true` row");
        Assert.True(table.Success, "README.md's integration table states wrap's start-up cost");
        Assert.True(summary.Success, "README.md's Performance states what `privport wrap -- true` adds");
        Assert.Equal(measured.Groups[1].Value, table.Groups[1].Value);
        Assert.Equal(measured.Groups[1].Value, summary.Groups[1].Value);
    }

    [GeneratedRegex(@"\| `privport wrap -- true`[^|]*\| \+([0-9.]+) ms \|")]
    private static partial Regex BenchWrapStartUp();

    [GeneratedRegex(@"\| `privport wrap` \|[^\n]*\| ([0-9.]+) ms at start-up")]
    private static partial Regex ReadmeWrapRow();

    [GeneratedRegex(@"`privport wrap -- true` adds ([0-9.]+) ms")]
    private static partial Regex ReadmeWrapSummary();
}
