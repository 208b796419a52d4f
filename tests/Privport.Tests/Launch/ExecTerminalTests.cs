using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Privport.Tests.Infrastructure;
using Privport.Tests.Launch.Terminal;

namespace Privport.Tests.Launch;

/// <summary>
/// <c>privport exec</c> run from root's interactive terminal must not hand that terminal to the program it starts
/// as another user: no keystrokes pushed into root's shell (TIOCSTI), none of root's typing read; output, exit
/// status and signals still pass. Ports 830-839 on loopback belong to this class.
/// </summary>
public sealed class ExecTerminalTests(StagedPrivport privport)
{
    private string[] ExecAttack(int port, string argument, params string[] options) =>
        [privport.Executable, "exec", .. options, "--user", "65534", "--port", $"tcp/127.0.0.1:{port}", "--", RootShell.Python, "-c", RootShell.Attack, argument];

    [Fact]
    public async Task From_roots_terminal_the_program_can_neither_type_into_root_shell_nor_read_what_root_types()
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        var session = await RootShell.RunAsync("tty", "type", ExecAttack(830, "3"));

        var report = session.Report;
        Assert.Empty(report.GetProperty("terminals").EnumerateArray());
        Assert.All(report.GetProperty("stolen").EnumerateObject(), fd => Assert.Equal("", fd.Value.GetString()));
        Assert.All(report.GetProperty("injected").EnumerateObject(), fd => Assert.NotEqual("injected", fd.Value.GetString()));
        Assert.Equal("open ENXIO", report.GetProperty("injected").GetProperty("/dev/tty").GetString());
        Assert.True(report.GetProperty("session_leader").GetBoolean(), session.ToString());
        Assert.Equal(RootShell.Typed, session.Queue);
        Assert.Equal(3, session.Status);
    }

    [Fact]
    public async Task With_its_output_redirected_from_roots_terminal_the_program_still_leaves_roots_session()
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        var session = await RootShell.RunAsync("redirected", "type", ExecAttack(831, "5"));

        var report = session.Report;
        Assert.Contains("READY", session.Pipe, StringComparison.Ordinal);
        Assert.Equal("open ENXIO", report.GetProperty("injected").GetProperty("/dev/tty").GetString());
        Assert.Equal(RootShell.Typed, session.Queue);
        Assert.Equal(5, session.Status);
    }

    [Fact]
    public async Task Relayed_output_reaches_the_terminal_and_LISTEN_PID_is_the_programs_own_pid()
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        var session = await RootShell.RunAsync("tty", "type", ExecAttack(832, "0"));

        Assert.Contains("READY\r\n", session.Terminal, StringComparison.Ordinal);
        var report = session.Report;
        Assert.Equal(report.GetProperty("pid").GetInt32().ToString(CultureInfo.InvariantCulture), report.GetProperty("listen_pid").GetString());
        Assert.Equal(0, session.Status);
    }

    [Theory]
    [InlineData("interrupt", 130)]
    [InlineData("terminate", 143)]
    public async Task Ctrl_C_and_SIGTERM_reach_the_program_and_its_status_comes_back(string action, int status)
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        var session = await RootShell.RunAsync("tty", action, ExecAttack(action == "interrupt" ? 833 : 834, "sleep"));

        Assert.Equal(status, session.Status);
        Assert.True(session.Queue.Length == 0, session.ToString());
    }

    [Fact]
    public async Task Keep_terminal_leaves_the_program_in_roots_session_as_documented()
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        var session = await RootShell.RunAsync("tty", "type", ExecAttack(835, "0", "--keep-terminal"));

        var report = session.Report;
        Assert.Equal([0, 1, 2], report.GetProperty("terminals").EnumerateArray().Select(fd => fd.GetInt32()));
        Assert.Equal(RootShell.Typed, report.GetProperty("stolen").GetProperty("0").GetString());
    }

    [Fact]
    public async Task Without_a_terminal_the_program_replaces_privport_in_the_same_process()
    {
        Privilege.RequireRoot();
        RootShell.RequirePython();

        // setsid(1): a session with no terminal, as under systemd, whatever the test runner has.
        var info = new ProcessStartInfo("/usr/bin/setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in ExecAttack(836, "0"))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var report = JsonDocument.Parse(output.Split('\n').First(line => line.StartsWith('{'))).RootElement;
        Assert.Equal(process.Id, report.GetProperty("pid").GetInt32());
        Assert.Equal(0, process.ExitCode);
    }
}
