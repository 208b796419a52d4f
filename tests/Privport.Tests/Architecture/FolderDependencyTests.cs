using Xunit;

namespace Privport.Tests.Architecture;

public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        var edges = FolderReferences.Read(typeof(Privport.Commands.ExitCodes).Assembly.Location);
        foreach (var (from, targets) in edges.OrderBy(p => p.Key))
        {
            foreach (var (to, example) in targets.OrderBy(p => p.Key))
            {
                output.WriteLine($"{from} -> {to}   ({example})");
            }
        }
    }
}
