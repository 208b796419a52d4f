using System.Text.Json;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch.Terminal;

/// <summary>
/// Runs a command as the foreground job of root's interactive shell on a pseudo-terminal (root_shell.py) and reads
/// back what happened: the job's status, what reached the terminal, and what was left in its input queue for root's
/// shell to read next. <see cref="Attack"/> is the program that tries to abuse that terminal (attack.py).
/// </summary>
internal static class RootShell
{
    public const string Python = "/usr/bin/python3";

    /// <summary>What root types once the job prints READY (action "type").</summary>
    public const string Typed = "typed-by-root\n";

    public static string Attack { get; } = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Launch", "Terminal", "attack.py"));

    private static string Harness => Path.Combine(AppContext.BaseDirectory, "Launch", "Terminal", "root_shell.py");

    public static void RequirePython() =>
        Assert.SkipUnless(File.Exists(Python), $"needs {Python} to play root's shell and the attacking program");

    /// <param name="mode">"tty": the job's descriptors 0-2 are the terminal; "redirected": stdin /dev/null, output to a pipe.</param>
    /// <param name="action">"type", "interrupt" (Ctrl-C) or "terminate" (SIGTERM to the job).</param>
    public static async Task<ShellSession> RunAsync(string mode, string action, params string[] command)
    {
        var result = await Run.AsRootAsync(Python, [Harness, mode, action, .. command]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return new ShellSession(JsonDocument.Parse(result.Stdout).RootElement.Clone());
    }
}
