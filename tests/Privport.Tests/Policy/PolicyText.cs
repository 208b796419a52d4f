using System.Collections.Immutable;
using Privport.Config;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>Policy text read by privport's own parser, as the broker reads one file, without the file-trust checks.</summary>
internal static class PolicyText
{
    public static (ImmutableArray<PolicyRule> Rules, IReadOnlyList<ConfigError> Errors) Parse(string toml, IAccountDirectory accounts)
    {
        var diagnostics = new ConfigDiagnostics();
        var rules = ImmutableArray.CreateBuilder<PolicyRule>();
        new PolicyFileParser("written.toml", accounts, diagnostics, new Dictionary<string, string>(StringComparer.Ordinal)).Parse(toml, rules);
        return (rules.ToImmutable(), diagnostics.Errors);
    }

    /// <summary>The one rule <paramref name="toml"/> holds; fails the test with the parser's errors otherwise.</summary>
    public static PolicyRule Single(string toml, IAccountDirectory accounts)
    {
        var (rules, errors) = Parse(toml, accounts);
        Assert.True(errors.Count == 0, $"{string.Join("\n", errors)}\n--- in ---\n{toml}");
        return Assert.Single(rules);
    }

    /// <summary>The text between <c>&lt;&lt;'EOF'</c> and its <c>EOF</c> line in a shell command.</summary>
    public static string HereDocument(string command)
    {
        const string start = "<<'EOF'\n";
        int from = command.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, command);
        from += start.Length;
        int end = command.IndexOf("\nEOF", from, StringComparison.Ordinal);
        Assert.True(end >= 0, command);
        return command[from..(end + 1)];
    }
}
