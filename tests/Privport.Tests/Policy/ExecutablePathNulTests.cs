namespace Privport.Tests.Policy;

/// <summary>A path no file can have is a policy error at its line, never an exception out of the loader.</summary>
public sealed class ExecutablePathNulTests
{
    [Fact]
    public void An_exe_holding_a_NUL_is_reported_at_its_line()
    {
        var (rules, errors) = PolicyText.Parse("[[allow]]\nusers = [\"www-data\"]\nexe = [\"/usr/bin/a\\u0000b\"]\nports = [\"tcp/80\"]\n", new FakeAccountDirectory());

        Assert.Empty(rules);
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Equal("exe", error.Field);
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }
}
