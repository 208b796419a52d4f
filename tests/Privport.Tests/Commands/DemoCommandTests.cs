using Privport.Tests.Infrastructure;

namespace Privport.Tests.Commands;

public sealed class DemoCommandTests(StagedPrivport privport)
{
    [Fact]
    public async Task Demo_serves_a_page_as_nobody_refuses_the_impostor_and_cleans_up()
    {
        Privilege.RequireRoot();
        var before = Directory.GetDirectories(Path.GetTempPath(), "privport-demo-*");

        var result = await Run.AsRootAsync(privport.Executable, "demo");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("EACCES (13): Permission denied", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("HTTP 200 OK", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Hello from uid 65534", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("denied:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"deny\"", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before.Order(), Directory.GetDirectories(Path.GetTempPath(), "privport-demo-*").Order());
    }

    [Fact]
    public async Task Demo_refuses_to_run_without_root_and_says_so()
    {
        Privilege.RequireRoot();

        var result = await Run.AsUidAsync(65534, privport.Executable, "demo");

        Assert.Equal(77, result.ExitCode);
        Assert.Contains("needs root", result.Stderr, StringComparison.Ordinal);
    }
}
