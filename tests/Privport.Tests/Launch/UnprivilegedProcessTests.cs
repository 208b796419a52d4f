using System.Globalization;
using System.Text.Json;
using Privport.Launch;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// How privport's demo and doctor start a program as another user: through <c>privport exec</c>'s own privilege drop,
/// so the program has the uid, gid and groups asked, no capability and no_new_privs, a session of its own without a
/// terminal, stdin that reads nothing from the caller, and a minimal environment. No ports.
/// </summary>
public sealed class UnprivilegedProcessTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;
    private const string Python = "/usr/bin/python3";
    private const string Zero = "0000000000000000";

    // A gid no account has as its own: the primary group asked, in place of nobody's.
    private const uint Unassigned = 61877;

    private const string Report = """
        import json, os
        status = {}
        for line in open('/proc/self/status'):
            key, _, value = line.partition(':')
            status[key] = ' '.join(value.split())
        stat = open('/proc/self/stat').read()
        fields = stat[stat.rindex(')') + 2:].split()
        print(json.dumps({'pid': os.getpid(), 'session': int(fields[3]), 'tty_nr': int(fields[4]), 'stdin_tty': os.isatty(0),
                          'stdin': os.readlink('/proc/self/fd/0'), 'read': os.read(0, 10).decode(), 'status': status,
                          'env': dict(os.environ)}))
        """;

    private static void RequirePython() => Assert.SkipUnless(File.Exists(Python), $"needs {Python} as the program to start");

    private async Task<(JsonElement Report, int Pid)> StartReportAsync(uint uid, uint gid, Action<System.Diagnostics.ProcessStartInfo>? change = null)
    {
        var info = UnprivilegedProcess.StartInfo(PrivportExecutable.At(privport.Executable), uid, gid, Python, ["-c", Report]);
        info.WorkingDirectory = ServiceProcess.ReadableWorkingDirectory;
        change?.Invoke(info);

        using var process = UnprivilegedProcess.Start(info);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output}{await errors}");
        return (JsonDocument.Parse(output).RootElement, process.Id);
    }

    private static string Status(JsonElement report, string key) => report.GetProperty("status").GetProperty(key).GetString()!;

    private static HashSet<string> Groups(JsonElement report) => [.. Status(report, "Groups").Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The gids /etc/group lists <paramref name="user"/> as a member of.</summary>
    private static IEnumerable<string> MembershipsOf(string user) =>
        File.ReadLines("/etc/group").Select(line => line.Split(':'))
            .Where(fields => fields.Length == 4 && fields[3].Split(',').Contains(user))
            .Select(fields => fields[2]);

    [Fact]
    public async Task The_program_runs_as_the_uid_and_gid_asked_with_the_users_groups_no_capability_and_no_new_privs()
    {
        Privilege.RequireRoot();
        RequirePython();

        var (report, pid) = await StartReportAsync(Nobody, Unassigned);

        Assert.Equal(pid, report.GetProperty("pid").GetInt32());
        Assert.Equal("65534 65534 65534 65534", Status(report, "Uid"));
        Assert.Equal("61877 61877 61877 61877", Status(report, "Gid"));
        Assert.Equal([Unassigned.ToString(CultureInfo.InvariantCulture), .. MembershipsOf("nobody")], Groups(report));
        Assert.All(new[] { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" }, set => Assert.Equal(Zero, Status(report, set)));
        Assert.Equal("1", Status(report, "NoNewPrivs"));
    }

    [Fact]
    public async Task A_member_of_a_supplementary_group_keeps_it()
    {
        Privilege.RequireRoot();
        RequirePython();
        var member = File.ReadLines("/etc/group").Select(line => line.Split(':'))
            .Where(fields => fields.Length == 4 && fields[3].Length > 0)
            .Select(fields => (Group: fields[2], Account: File.ReadLines("/etc/passwd").Select(line => line.Split(':'))
                .FirstOrDefault(account => account.Length >= 4 && account[0] == fields[3].Split(',')[0])))
            .FirstOrDefault(candidate => candidate.Account is not null && candidate.Account[2] != "0");
        Assert.SkipWhen(member.Account is null, "no account on this host (other than root) belongs to a supplementary group in /etc/group");
        uint uid = uint.Parse(member.Account![2], CultureInfo.InvariantCulture);
        uint gid = uint.Parse(member.Account[3], CultureInfo.InvariantCulture);

        var (report, _) = await StartReportAsync(uid, gid);

        Assert.Equal($"{uid} {uid} {uid} {uid}", Status(report, "Uid"));
        Assert.Equal($"{gid} {gid} {gid} {gid}", Status(report, "Gid"));
        Assert.Contains(member.Group, Groups(report));
        Assert.Contains(gid.ToString(CultureInfo.InvariantCulture), Groups(report));
    }

    [Fact]
    public async Task The_program_has_its_own_session_no_terminal_no_input_and_a_minimal_environment()
    {
        Privilege.RequireRoot();
        RequirePython();

        var (report, pid) = await StartReportAsync(Nobody, Nobody, info =>
        {
            info.Environment["SSH_AUTH_SOCK"] = "/root/.ssh/agent.sock";
            info.Environment["LC_CTYPE"] = "C.UTF-8";
        });

        Assert.Equal(pid, report.GetProperty("session").GetInt32());
        Assert.Equal(0, report.GetProperty("tty_nr").GetInt32());
        Assert.False(report.GetProperty("stdin_tty").GetBoolean());
        Assert.StartsWith("pipe:", report.GetProperty("stdin").GetString(), StringComparison.Ordinal);
        Assert.Equal("", report.GetProperty("read").GetString());
        var environment = report.GetProperty("env").EnumerateObject().ToDictionary(variable => variable.Name, variable => variable.Value.GetString());
        Assert.Subset(new HashSet<string> { "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_CTYPE", "DOTNET_ROOT" }, environment.Keys.ToHashSet());
        Assert.Equal("nobody", environment["USER"]);
        Assert.Equal("C.UTF-8", environment["LC_CTYPE"]);
    }
}
