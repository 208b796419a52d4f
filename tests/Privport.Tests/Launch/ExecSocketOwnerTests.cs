using System.Net;
using System.Net.Sockets;
using Privport.Commands;
using Privport.Tests.Infrastructure;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Launch;

/// <summary>
/// Sockets <c>privport exec</c> binds as root belong to the user it hands them to, so the kernel's same-owner rule for
/// SO_REUSEPORT groups holds for that user as if it had made them. Ports 846-847 on loopback belong to this class.
/// </summary>
public sealed class ExecSocketOwnerTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;

    [Fact]
    public async Task As_root_the_sockets_it_hands_over_belong_to_the_user()
    {
        Privilege.RequireRoot();
        Assert.SkipUnless(File.Exists(ExecProbe.Python), $"needs {ExecProbe.Python} as the program privport exec runs");

        var result = await Run.AsRootAsync(privport.Executable, "exec", "--user", "nobody", "--port", "tcp/127.0.0.1:846,reuseport",
            "--", ExecProbe.Python, "-c", "import os; print(os.fstat(3).st_uid)");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Stdout.Trim());
    }

    [Fact]
    public async Task With_reuseport_a_users_socket_cannot_join_a_root_services_listener()
    {
        Privilege.RequireRoot();
        using var rootService = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        rootService.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
        rootService.Bind(new IPEndPoint(IPAddress.Loopback, 847));
        rootService.Listen();

        var result = await Run.AsRootAsync(privport.Executable, "exec", "--user", "nobody", "--port", "tcp/127.0.0.1:847,reuseport", "--", "/bin/true");

        Assert.True(result.ExitCode == ExitCodes.Unavailable, result.ToString());
        Assert.Contains("127.0.0.1:847", result.Stderr, StringComparison.Ordinal);
    }
}
