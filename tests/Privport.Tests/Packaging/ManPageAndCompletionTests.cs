using System.CommandLine;
using Privport.Commands;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>
/// The man pages render cleanly; the completion scripts are valid shell and complete what the command tree declares:
/// every verb, every option, file names for options that take a path, directories for DIR, the values of closed sets.
/// </summary>
public sealed class ManPageAndCompletionTests(StagedPrivport privport)
{
    private static readonly RootCommand Root = CommandLine.Build();

    [Theory]
    [InlineData("privport.8", "privport serve")]
    [InlineData("privport-policy.5", "[[allow]]")]
    public async Task Man_pages_render_without_warnings(string page, string expected)
    {
        Assert.SkipWhen(RepositoryFiles.FindTool("groff") is null, "needs groff (apt-get install groff-base) to render man pages");
        string path = Path.Combine(RepositoryFiles.Packaging, "man", page);

        var render = await Run.AsRootAsync("groff", "-man", "-Tutf8", "-ww", path);

        Assert.True(render.ExitCode == 0, render.ToString());
        Assert.Equal("", render.Stderr);
        Assert.Contains(expected, RenderedText.Plain(render.Stdout), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bash_completion_is_valid_and_completes_verbs_and_options()
    {
        string file = await ScriptAsync("bash");
        try
        {
            var syntax = await Run.AsRootAsync("bash", "-n", file);
            Assert.True(syntax.ExitCode == 0, syntax.ToString());

            Assert.Equal("serve status", await CompleteAsync(file, "privport s"));
            Assert.Equal("check", await CompleteAsync(file, "privport policy ch"));
            Assert.Equal("--metrics", await CompleteAsync(file, "privport serve --me"));
            Assert.Equal("--json", await CompleteAsync(file, "privport status --j"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Bash_completion_offers_every_verb_and_option_of_the_command_tree()
    {
        string file = await ScriptAsync("bash");
        try
        {
            foreach (var (path, command) in CompletionScript.Walk(Root, ""))
            {
                string prefix = path.Length == 0 ? "privport " : $"privport {path} ";
                var verbs = (await CompleteAsync(file, prefix)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith('-'));
                Assert.Equal(command.Subcommands.Where(sub => !sub.Hidden).Select(sub => sub.Name).Order(), verbs.Order());

                var options = (await CompleteAsync(file, prefix + "-")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                foreach (var option in command.Options.Where(option => !option.Hidden))
                {
                    Assert.Contains(option.Name, options);
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The completion scripts know an option takes a path from its help name; an option whose value is named in any
    /// other way must be one of these, so a new kind of value is classified here rather than left uncompleted.
    /// </summary>
    [Fact]
    public void Every_option_value_is_a_path_a_closed_set_or_a_kind_that_is_not_a_file()
    {
        string[] notFiles = ["A", "ADDRESS:PORT", "CGROUP", "ENDPOINT", "GROUP", "LINES", "N", "NAME", "NAME=VALUE", "SECONDS", "DURATION", "TEXT", "USER"];

        foreach (var (path, command) in CompletionScript.Walk(Root, ""))
        {
            foreach (var option in command.Options.Where(option => !option.Hidden && option.ValueType != typeof(bool) && option.Arity.MaximumNumberOfValues > 0))
            {
                bool classified = OptionValue.IsPath(option) || OptionValue.IsDirectory(option) || OptionValue.Choices(option).Count > 0
                    || notFiles.Contains(option.HelpName);
                Assert.True(classified, $"privport {path} {option.Name}: help name '{option.HelpName}' says neither a path (PATH, FILE, DIR), a closed set, nor a value that is not a file");
            }
        }
    }

    [Fact]
    public async Task Bash_completion_completes_file_names_for_every_option_that_takes_a_path_and_values_for_every_closed_set()
    {
        string file = await ScriptAsync("bash");
        string directory = Directory.CreateTempSubdirectory("privport-completion-").FullName;
        File.WriteAllText(Path.Combine(directory, "policy.toml"), "");
        Directory.CreateDirectory(Path.Combine(directory, "policy.d"));
        try
        {
            int checkedOptions = 0;
            foreach (var (path, command) in CompletionScript.Walk(Root, ""))
            {
                foreach (var option in command.Options.Where(option => !option.Hidden))
                {
                    string line = $"privport {path} {option.Name} ";
                    if (OptionValue.IsPath(option))
                    {
                        Assert.Equal($"{directory}/policy.d {directory}/policy.toml", Sorted(await CompleteAsync(file, $"{line}{directory}/pol")));
                    }
                    else if (OptionValue.IsDirectory(option))
                    {
                        Assert.Equal($"{directory}/policy.d", await CompleteAsync(file, $"{line}{directory}/pol"));
                    }
                    else if (OptionValue.Choices(option) is { Count: > 0 } choices)
                    {
                        Assert.Equal(string.Join(' ', choices.Order()), Sorted(await CompleteAsync(file, line)));
                    }
                    else
                    {
                        continue;
                    }

                    checkedOptions++;
                }
            }

            Assert.True(checkedOptions >= 20, $"only {checkedOptions} options take a path, a directory or a closed set");
        }
        finally
        {
            File.Delete(file);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Zsh_completion_is_valid_and_lists_every_verb_of_the_command_tree()
    {
        Assert.SkipWhen(RepositoryFiles.FindTool("zsh") is null, "needs zsh to check the zsh completion's syntax");
        string file = await ScriptAsync("zsh");
        try
        {
            var syntax = await Run.AsRootAsync("zsh", "-n", file);
            Assert.True(syntax.ExitCode == 0, syntax.ToString());

            foreach (var (path, command) in CompletionScript.Walk(Root, ""))
            {
                var listed = await Run.AsRootAsync("zsh", "-c", $"source '{file}' >/dev/null 2>&1; _privport_verbs '{path}'; _privport_options '{path}'");
                var lines = listed.Stdout.Split('\n');
                Assert.Equal(command.Subcommands.Where(sub => !sub.Hidden).Select(sub => sub.Name).Order(), lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order());
                foreach (var option in command.Options.Where(option => !option.Hidden))
                {
                    Assert.Contains(option.Name, lines[1].Split(' '));
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Zsh_completion_completes_files_for_every_option_that_takes_a_path_and_values_for_every_closed_set()
    {
        string script = (await Run.AsRootAsync(privport.Executable, "completions", "zsh")).Stdout;
        var arms = script.Split('\n').Select(line => line.Trim()).ToArray();

        foreach (var (path, command) in CompletionScript.Walk(Root, ""))
        {
            foreach (var option in command.Options.Where(option => !option.Hidden))
            {
                string reply = OptionValue.IsDirectory(option) ? "_files -/"
                    : OptionValue.IsPath(option) ? "_files"
                    : OptionValue.Choices(option) is { Count: > 0 } choices ? $"compadd -- {string.Join(' ', choices)}"
                    : "";
                if (reply.Length > 0)
                {
                    Assert.Contains($"\"{path}|{option.Name}\") {reply}; return ;;", arms);
                }
            }
        }
    }

    private async Task<string> ScriptAsync(string shell)
    {
        var script = await Run.AsRootAsync(privport.Executable, "completions", shell);
        Assert.True(script.ExitCode == 0, script.ToString());
        string file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, script.Stdout, TestContext.Current.CancellationToken);
        return file;
    }

    private static string Sorted(string words) => string.Join(' ', words.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    // COMP_WORDS as bash splits the line; a trailing space starts a new, empty word.
    private static async Task<string> CompleteAsync(string script, string line)
    {
        var result = await Run.AsRootAsync("bash", "-c",
            $"source '{script}'; COMP_LINE='{line}'; read -ra COMP_WORDS <<<\"$COMP_LINE\"; [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _privport; echo \"${{COMPREPLY[*]}}\"");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }
}
