using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>The man pages render cleanly; the completion scripts are valid shell and cover every verb and option.</summary>
public sealed class ManPageAndCompletionTests(StagedPrivport privport)
{
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
        var script = await Run.AsRootAsync(privport.Executable, "completions", "bash");
        Assert.True(script.ExitCode == 0, script.ToString());
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, script.Stdout, TestContext.Current.CancellationToken);
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
    public async Task Zsh_completion_is_valid_and_lists_every_verb()
    {
        Assert.SkipWhen(RepositoryFiles.FindTool("zsh") is null, "needs zsh to check the zsh completion's syntax");
        var script = await Run.AsRootAsync(privport.Executable, "completions", "zsh");
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, script.Stdout, TestContext.Current.CancellationToken);
            var syntax = await Run.AsRootAsync("zsh", "-n", file);
            Assert.True(syntax.ExitCode == 0, syntax.ToString());
            string topLevel = script.Stdout.Split('\n').First(line => line.TrimStart().StartsWith("\"\") print -r -- ", StringComparison.Ordinal));
            var verbs = topLevel.Split('"')[3].Split(' ');
            Assert.Subset(verbs.ToHashSet(), new HashSet<string> { "serve", "policy", "wrap", "probe", "status" });
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<string> CompleteAsync(string script, string line)
    {
        var result = await Run.AsRootAsync("bash", "-c",
            $"source '{script}'; COMP_LINE='{line}'; read -ra COMP_WORDS <<<\"$COMP_LINE\"; COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _privport; echo \"${{COMPREPLY[*]}}\"");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }
}
