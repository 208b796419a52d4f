using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Privport.Commands;

namespace Privport.Tests.Packaging;

/// <summary>
/// privport.8 read against the command tree privport parses with: every verb, option, argument and closed-set value
/// in the SYNOPSIS, every verb in COMMANDS, every exit code in EXIT STATUS. A verb or option added to the code
/// without the man page fails here.
/// </summary>
public sealed class ManPageCommandTreeTests
{
    private static readonly Command Root = CommandLine.Build();

    public static TheoryData<string> Commands() =>
        [.. CompletionScript.Walk(Root, "").Where(entry => entry.Command.Action is not null && entry.Path.Length > 0).Select(entry => entry.Path)];

    [Theory]
    [MemberData(nameof(Commands))]
    public void The_synopsis_shows_every_option_and_argument_of(string path)
    {
        var command = Find(path);
        var forms = ManPage.Privport().SynopsisForms().Where(form => Regex.IsMatch(form, $"^privport {Regex.Escape(path)}( |$)")).ToArray();
        Assert.True(forms.Length > 0, $"privport.8's SYNOPSIS has no line for 'privport {path}'");
        string synopsis = string.Join('\n', forms);

        foreach (var option in command.Options.Where(option => !option.Hidden && option is not HelpOption))
        {
            Assert.True(Regex.IsMatch(synopsis, $"(?<![\\w-]){Regex.Escape(option.Name)}(?![\\w-])"), $"privport.8's SYNOPSIS of 'privport {path}' lacks {option.Name}:\n{synopsis}");
            foreach (string value in OptionValue.Choices(option))
            {
                Assert.True(Regex.IsMatch(synopsis, $"{Regex.Escape(option.Name)} [^\\]]*\\b{Regex.Escape(value)}\\b"), $"privport.8's SYNOPSIS of 'privport {path}' lacks {option.Name}'s value {value}:\n{synopsis}");
            }
        }

        foreach (var argument in command.Arguments.Where(argument => !argument.Hidden))
        {
            foreach (string word in (argument.HelpName ?? argument.Name.ToUpperInvariant()).Split('-'))
            {
                Assert.True(synopsis.Contains(word, StringComparison.Ordinal), $"privport.8's SYNOPSIS of 'privport {path}' lacks the argument {word}:\n{synopsis}");
            }
        }
    }

    [Fact]
    public void Every_synopsis_line_names_a_command_privport_has()
    {
        var paths = CompletionScript.Walk(Root, "").Select(entry => entry.Path).Where(path => path.Length > 0).ToHashSet();

        foreach (string form in ManPage.Privport().SynopsisForms())
        {
            string[] words = form.Split(' ');
            Assert.True(paths.Contains(string.Join(' ', words.Skip(1).TakeWhile(word => !word.StartsWith('-') && !word.StartsWith('[') && word.ToLowerInvariant() == word))), form);
        }
    }

    [Fact]
    public void Commands_describes_every_verb()
    {
        var described = ManPage.Privport().DescribedCommands();

        foreach (var verb in Root.Subcommands.Where(verb => !verb.Hidden))
        {
            var own = verb.Subcommands.Where(sub => !sub.Hidden).Select(sub => $"{verb.Name} {sub.Name}").ToArray();
            Assert.True(described.Contains(verb.Name) || own.All(described.Contains), $"privport.8's COMMANDS has no entry for {verb.Name}");
        }
    }

    [Fact]
    public void Exit_status_lists_every_exit_code_and_no_other()
    {
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => ((int)field.GetRawConstantValue()!).ToString(CultureInfo.InvariantCulture))
            .ToHashSet();

        var documented = ManPage.Privport().TaggedParagraphs("EXIT STATUS").ToHashSet();

        Assert.Equal(codes.Order(), documented.Order());
    }

    [Fact]
    public void Exit_status_names_the_doctor_and_forward_codes()
    {
        var page = ManPage.Privport();

        Assert.Contains("doctor found no cause", page.TaggedParagraph("EXIT STATUS", ExitCodes.NoCauseFound.ToString(CultureInfo.InvariantCulture)), StringComparison.Ordinal);
        foreach (int code in new[] { ExitCodes.Usage, ExitCodes.NoUser, ExitCodes.Unavailable, ExitCodes.NoPermission, ExitCodes.Config })
        {
            Assert.Contains("forward", page.TaggedParagraph("EXIT STATUS", code.ToString(CultureInfo.InvariantCulture)), StringComparison.Ordinal);
        }

        Assert.Contains("redirect without CAP_NET_ADMIN", page.TaggedParagraph("EXIT STATUS", ExitCodes.NoPermission.ToString(CultureInfo.InvariantCulture)), StringComparison.Ordinal);
    }

    private static Command Find(string path)
    {
        Command command = Root;
        foreach (string name in path.Split(' '))
        {
            command = command.Subcommands.Single(sub => sub.Name == name);
        }

        return command;
    }
}
