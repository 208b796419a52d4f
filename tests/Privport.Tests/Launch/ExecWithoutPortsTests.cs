using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// <c>privport exec</c> with no <c>--port</c>: the same drop to the user, no socket and no LISTEN_* variables; with
/// <c>--keep-caps</c> the program binds its low ports itself. Ports 400-401 on loopback belong to this class.
/// </summary>
public sealed class ExecWithoutPortsTests(StagedPrivport privport)
{
    private const string Zero = "0000000000000000";

    private static void RequirePython() =>
        Assert.SkipUnless(File.Exists(ExecProbe.Python), $"needs {ExecProbe.Python} as the program privport exec runs");

    private Task<ProcessResult> ExecAsRootAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(privport.Executable) { WorkingDirectory = ServiceProcess.ReadableWorkingDirectory };
        foreach (string argument in (string[])["exec", .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Run.CompleteAsync(info);
    }

    [Fact]
    public async Task Without_a_port_the_program_runs_as_the_user_for_good_with_no_socket()
    {
        Privilege.RequireRoot();
        RequirePython();

        var result = await ExecAsRootAsync(new Dictionary<string, string>(), "--user", "nobody", "--", ExecProbe.Python, "-c", ExecProbe.Script);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
        Assert.All(new[] { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" }, set => Assert.Equal(Zero, probe.Status(set)));
        Assert.Equal("1", probe.Status("NoNewPrivs"));
        Assert.Equal([0, 1, 2], probe.Descriptors);
        Assert.Null(probe.Environment("LISTEN_FDS"));
    }

    [Fact]
    public async Task Without_a_port_or_a_change_of_user_inherited_listen_variables_are_removed()
    {
        Privilege.RequireRoot();
        RequirePython();
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, 65534, 65534, privport.Executable, ["exec", "--", ExecProbe.Python, "-c", ExecProbe.Script]);
        info.WorkingDirectory = ServiceProcess.ReadableWorkingDirectory;
        info.Environment["LISTEN_FDS"] = "2";
        info.Environment["LISTEN_PID"] = "1";
        info.Environment["LISTEN_FDNAMES"] = "a:b";

        var result = await Run.CompleteAsync(info);

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
        Assert.Null(probe.Environment("LISTEN_FDS"));
        Assert.Null(probe.Environment("LISTEN_PID"));
        Assert.Null(probe.Environment("LISTEN_FDNAMES"));
    }

    [Fact]
    public async Task Without_a_port_keep_caps_lets_the_program_bind_a_low_port_itself()
    {
        Privilege.RequireRoot();
        RequirePython();

        var result = await ExecAsRootAsync(new Dictionary<string, string>(), "--user", "nobody", "--keep-caps", "--", ExecProbe.Python, "-c", ExecProbe.Script, "bind", "400");

        Assert.True(result.ExitCode == 0, result.ToString());
        var probe = ExecProbe.Parse(result.Stdout);
        Assert.Equal("65534 65534 65534 65534", probe.Status("Uid"));
        Assert.Equal("0000000000000400", probe.Status("CapAmb"));
        Assert.Equal(400, probe.ExtraBind);
        Assert.Empty(probe.Sockets);
    }
}
