using Privport.Commands;
using Privport.Forwarding;
using Privport.Policy;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>
/// One TOML typo is one error: the first in the file, naming line and column and saying what to write, not the
/// cascade of guesses the parser makes after it. Independent mistakes in well-formed files are still all reported.
/// </summary>
public sealed class TomlSyntaxErrorTests
{
    public static TheoryData<string, string, int, int, string> Typos => new()
    {
        { "missing closing quote", "[[allow]]\nusers = [\"www-data]\nports = [\"tcp/80\"]\n", 2, 20, "a string is not closed on its line" },
        { "missing quote outside an array", "[[allow]]\nusers = \"www-data\nports = [\"tcp/80\"]\n", 2, 18, "a string is not closed on its line" },
        { "missing closing bracket", "[[allow]]\nusers = [\"www-data\"\nports = [\"tcp/80\"]\n", 3, 1, "an array opened above is not closed" },
        { "missing =", "[[allow]]\nusers [\"www-data\"]\nports = [\"tcp/80\"]\n", 2, 7, "write each setting as key = value" },
        { "missing bracket of the table line", "[[allow]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n", 1, 8, "[[allow]]" },
        { "missing comma", "[[allow]]\nusers = [\"www-data\" \"alice\"]\nports = [\"tcp/80\"]\n", 2, 21, "separate the array's items with commas" },
    };

    [Theory]
    [MemberData(nameof(Typos))]
    public void A_typo_in_the_policy_is_one_error_at_its_line_and_column_saying_what_to_write(string typo, string toml, int line, int column, string advice)
    {
        var error = SingleError(toml);

        Assert.True(("syntax", line, (int?)column) == (error.Field, error.Line, error.Column), $"{typo}: {error} (column {error.Column})");
        Assert.Equal("policy.toml", Path.GetFileName(error.File));
        Assert.Contains($"(column {column}); ", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Typos))]
    public void A_typo_in_a_forward_config_is_one_error_too(string typo, string toml, int line, int column, string advice)
    {
        string config = toml.Replace("[[allow]", "[[forward]", StringComparison.Ordinal)
            .Replace("users", "listen", StringComparison.Ordinal).Replace("ports", "target", StringComparison.Ordinal);
        var parser = new ForwardConfigParser("/etc/privport/forward.d/web.toml");

        Assert.Null(parser.Parse(config));
        var error = Assert.Single(parser.Errors);
        Assert.True(("syntax", line) == (error.Field, error.Line), $"{typo}: {error}");
        // The longer keys and table name of a forward config move the mistake right, never left.
        Assert.True(error.Column >= column, $"{typo}: column {error.Column}, expected at least {column}");
        Assert.Contains($"(column {error.Column}); ", error.Message, StringComparison.Ordinal);
        Assert.Contains(typo == "missing bracket of the table line" ? "close the table line" : advice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_check_prints_one_line_for_one_typo()
    {
        using var directory = new TempPolicyDirectory();
        string file = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data]\nports = [\"tcp/80\"]\n");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        int exitCode = new PolicyCheckCommand(new FakeAccountDirectory()).Run(file, false, stdout, stderr);

        Assert.Equal(ExitCodes.Config, exitCode);
        string line = Assert.Single(stderr.ToString().Split('\n'), text => text.Contains(file, StringComparison.Ordinal));
        Assert.Contains($"{file}:2: syntax: ", line, StringComparison.Ordinal);
        Assert.Contains("(column 20); a string is not closed on its line", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Independent_mistakes_in_different_rules_are_each_reported()
    {
        var errors = Errors("""
            [[allow]]
            users = ["no-such-user"]
            ports = ["tcp/80"]

            [[allow]]
            users = ["www-data"]
            ports = ["tcp/99999"]
            """);

        Assert.Equal([("users", 2), ("ports", 7)], errors.Select(e => (e.Field, e.Line)).ToArray());
    }
}
