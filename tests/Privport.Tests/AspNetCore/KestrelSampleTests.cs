using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.AspNetCore;

/// <summary>
/// The KestrelOnPort80 sample (Privport.AspNetCore's ListenPrivileged) as an unprivileged user, both ways: the socket
/// passed by privport exec (LISTEN_FDS), and the socket from the broker. Ports 685-689 on loopback belong to this class.
/// </summary>
public sealed class KestrelSampleTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;

    private const string NobodyMay686 = """
        [[allow]]
        name = "kestrel-sample"
        users = ["65534"]
        ports = ["tcp/686"]
        addresses = ["127.0.0.1"]
        """;

    [Fact]
    public async Task Sample_serves_on_the_socket_privport_exec_passes()
    {
        Privilege.RequireRoot();
        using var sample = new StagedKestrelSample();
        var info = new ProcessStartInfo(privport.Executable);
        foreach (string argument in (string[])["exec", "--user", "nobody", "--port", "tcp/127.0.0.1:685", "--", sample.Dotnet, sample.Assembly, "--address", "127.0.0.1", "--port", "685"])
        {
            info.ArgumentList.Add(argument);
        }

        // ASP.NET Core's content root is the working directory: the staged copy, which nobody can read.
        info.WorkingDirectory = sample.Directory;
        await using var server = ServiceProcess.Start(info);

        string reply = await server.FetchAsync(685);

        Assert.Contains("200 OK", reply, StringComparison.Ordinal);
        Assert.Contains("Hello from nobody", reply, StringComparison.Ordinal);
        Assert.Contains("socket from LISTEN_FDS", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_serves_on_a_socket_from_the_broker()
    {
        Privilege.RequireRoot();
        using var sample = new StagedKestrelSample();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay686);
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, Nobody, Nobody, sample.Dotnet, [sample.Assembly, "--address", "127.0.0.1", "--port", "686"]);
        info.Environment["PRIVPORT_SOCKET"] = broker.SocketPath;
        // ASP.NET Core's content root is the working directory: the staged copy, which nobody can read.
        info.WorkingDirectory = sample.Directory;
        await using var server = ServiceProcess.Start(info);

        string reply = await server.FetchAsync(686);

        Assert.Contains("Hello from nobody", reply, StringComparison.Ordinal);
        Assert.Contains("socket from the privport broker", reply, StringComparison.Ordinal);
        Assert.Contains("\"rule\":\"kestrel-sample\"", Assert.Single(broker.AuditLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_stops_with_the_brokers_reason_when_the_port_is_denied()
    {
        Privilege.RequireRoot();
        using var sample = new StagedKestrelSample();
        await using var broker = await RunningBroker.StartAsync(privport, NobodyMay686);
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, Nobody, Nobody, sample.Dotnet, [sample.Assembly, "--address", "127.0.0.1", "--port", "687"]);
        info.Environment["PRIVPORT_SOCKET"] = broker.SocketPath;
        // ASP.NET Core's content root is the working directory: the staged copy, which nobody can read.
        info.WorkingDirectory = sample.Directory;
        await using var server = ServiceProcess.Start(info);

        int exitCode = await server.WaitForExitAsync(30);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("denied tcp/127.0.0.1:687: no rule allows tcp/127.0.0.1:687", server.Stdout + server.Stderr, StringComparison.Ordinal);
    }
}
