using System.Text.Json;
using Privport.Demo;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Launch;

/// <summary>
/// How privport's demo and doctor start a process as another uid: a session of its own, stdin that reads nothing
/// from the caller, a minimal environment. No ports.
/// </summary>
public sealed class UnprivilegedProcessTests
{
    private const string Report = """
        import json, os
        stdin = os.readlink('/proc/self/fd/0')
        print(json.dumps({'session_leader': os.getsid(0) == os.getpid(), 'stdin_tty': os.isatty(0), 'stdin': stdin,
                          'read': os.read(0, 10).decode(), 'uid': os.getuid(), 'env': sorted(os.environ)}))
        """;

    [Fact]
    public async Task A_process_started_as_another_uid_has_its_own_session_no_input_and_a_minimal_environment()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists("/usr/bin/python3"), "needs /usr/bin/python3 as the program to start");
        var info = UnprivilegedProcess.StartInfo(Privilege.Setpriv, 65534, 65534, "/usr/bin/python3", ["-c", Report]);

        using var process = UnprivilegedProcess.Start(info);
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var report = JsonDocument.Parse(output).RootElement;
        Assert.Equal(65534, report.GetProperty("uid").GetInt32());
        Assert.True(report.GetProperty("session_leader").GetBoolean(), output);
        Assert.False(report.GetProperty("stdin_tty").GetBoolean());
        Assert.StartsWith("pipe:", report.GetProperty("stdin").GetString(), StringComparison.Ordinal);
        Assert.Equal("", report.GetProperty("read").GetString());
        Assert.Subset(new HashSet<string> { "PATH", "HOME", "LANG", "DOTNET_ROOT", "LC_CTYPE" },
            report.GetProperty("env").EnumerateArray().Select(name => name.GetString()!).ToHashSet());
    }
}
