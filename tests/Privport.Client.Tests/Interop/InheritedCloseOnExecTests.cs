using System.Diagnostics;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Client.Tests.Interop;

/// <summary>
/// ListenFds.Inherited marks the passed descriptors close-on-exec, as sd_listen_fds does, so the programs the service
/// starts do not hold its ports. Descriptor 3 of the test process stands in for a passed socket: its flag is cleared,
/// then restored. It runs alone (see <see cref="FdAccounting"/>), as it changes LISTEN_* and descriptor 3 for the process.
/// </summary>
[Collection(nameof(FdAccounting))]
public sealed class InheritedCloseOnExecTests
{
    [Fact]
    public void Inherited_descriptors_are_close_on_exec_and_a_program_started_afterwards_does_not_hold_them()
    {
        using var passed = new SafeFdHandle(ListenFds.FirstDescriptor, ownsHandle: false);
        int original = fcntl(passed, F_GETFD, 0);
        Assert.True(original >= 0, $"descriptor {ListenFds.FirstDescriptor} is not open in the test process");
        string target = Descriptors.Target(passed);
        try
        {
            Assert.Equal(0, fcntl(passed, F_SETFD, 0));
            Assert.False(Descriptors.IsCloseOnExec(passed));
            Environment.SetEnvironmentVariable("LISTEN_PID", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Environment.SetEnvironmentVariable("LISTEN_FDS", "1");

            var inherited = ListenFds.Inherited();

            Assert.Equal(ListenFds.FirstDescriptor, Assert.Single(inherited).Descriptor);
            Assert.True(Descriptors.IsCloseOnExec(passed), "ListenFds.Inherited left the passed descriptor inheritable");
            var (exitCode, output) = ReadLinkInChild(ListenFds.FirstDescriptor);
            Assert.False(
                exitCode == 0 && output == target,
                $"a program started after ListenFds.Inherited still holds descriptor {ListenFds.FirstDescriptor} ({target})");
        }
        finally
        {
            Environment.SetEnvironmentVariable("LISTEN_PID", null);
            Environment.SetEnvironmentVariable("LISTEN_FDS", null);
            _ = fcntl(passed, F_SETFD, original);
        }
    }

    /// <summary>What the descriptor is in a freshly exec'd program, by its own /proc/self/fd.</summary>
    private static (int ExitCode, string Output) ReadLinkInChild(int descriptor)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"exec readlink /proc/self/fd/{descriptor}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd().Trim();
        _ = child.StandardError.ReadToEnd();
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)), "readlink did not finish within 10 s");
        return (child.ExitCode, output);
    }
}
