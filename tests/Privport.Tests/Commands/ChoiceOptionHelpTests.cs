using System.CommandLine;
using Privport.Commands;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Commands;

/// <summary>Options that take one of a closed set of values list them in --help, and refuse any other value.</summary>
public sealed class ChoiceOptionHelpTests(StagedPrivport privport)
{
    public static TheoryData<string, string> ChoiceOptions() =>
        [.. from entry in CompletionScript.Walk(CommandLine.Build(), "")
            from option in entry.Command.Options
            where !option.Hidden && OptionValue.Choices(option).Count > 0
            select (entry.Path, option.Name)];

    [Fact]
    public void The_closed_sets_are_declared_as_such()
    {
        var declared = ChoiceOptions().Select(row => $"{row.Data.Item1} {row.Data.Item2}").ToArray();

        Assert.Subset(declared.ToHashSet(), new HashSet<string>
        {
            "forward --proxy-protocol", "forward --scheduling", "serve --kernel-grants-on-stop", "probe --mode",
        });
    }

    [Theory]
    [MemberData(nameof(ChoiceOptions))]
    public async Task Help_lists_the_values_of(string path, string name)
    {
        var option = Find(path).Options.Single(option => option.Name == name);

        var help = await Run.AsRootAsync(privport.Executable, [.. path.Split(' '), "--help"]);

        Assert.True(help.ExitCode == 0, help.ToString());
        string line = help.Stdout.Split('\n').Single(line => line.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
        foreach (string value in OptionValue.Choices(option))
        {
            Assert.Contains(value, line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ChoiceOptions))]
    public async Task A_value_outside_the_set_is_a_usage_error(string path, string name)
    {
        var refused = await Run.AsRootAsync(privport.Executable, [.. path.Split(' '), name, "no-such-value"]);

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("no-such-value", refused.Stderr, StringComparison.Ordinal);
    }

    private static Command Find(string path)
    {
        Command command = CommandLine.Build();
        foreach (string verb in path.Split(' '))
        {
            command = command.Subcommands.Single(sub => sub.Name == verb);
        }

        return command;
    }
}
