using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Launch.Terminal;

/// <summary>
/// On a terminal a verb writes what it was asked for and nothing else: not the console's keypad-transmit mode
/// (<c>ESC[?1h ESC=</c>), which System.Console writes when it sets a terminal up. Each verb runs under script(1), so
/// its stdin, stdout and stderr are a pty.
/// </summary>
public sealed class VerbTerminalOutputTests(StagedPrivport privport)
{
    [Theory]
    [InlineData("--help")]
    [InlineData("--version")]
    [InlineData("status --socket /nonexistent/broker.sock")]
    [InlineData("status --help")]
    [InlineData("policy check --policy /nonexistent/policy.toml")]
    public async Task A_verb_on_a_terminal_writes_no_keypad_mode(string arguments)
    {
        Assert.SkipWhen(RepositoryFiles.FindTool("script") is null, "needs script(1) for a pty");
        var result = await Run.AsRootAsync("script", "-qec", $"'{privport.Executable}' {arguments}", "/dev/null");

        Assert.NotEqual("", result.Stdout.Trim());
        Assert.DoesNotContain("\e[?1h", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\e=", result.Stdout, StringComparison.Ordinal);
    }
}
