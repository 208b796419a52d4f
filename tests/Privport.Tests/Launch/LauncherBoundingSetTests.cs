using System.Diagnostics;
using Privport.Tests.Infrastructure;
using Privport.Tests.Packaging;

namespace Privport.Tests.Launch;

/// <summary>
/// The launchers that start as root and drop to a user (<c>privport exec --user</c>, <c>privport forward</c>) under
/// the capability sets their units give them, not as full root: systemd's CapabilityBoundingSet= and
/// AmbientCapabilities= played by setpriv. Emptying the bounding set takes CAP_SETPCAP; without it they refuse,
/// naming what is missing, before changing anything (the forwarder's own unit is run so by
/// ForwardSetupTests). Ports 990-993 on loopback belong to this class.
/// </summary>
public sealed class LauncherBoundingSetTests(StagedPrivport privport)
{
    private const string Zero = "0000000000000000";

    // Serves one connection on the inherited socket: the reply is the program's own credentials.
    private const string StatusServer = """
        import socket
        listener = socket.socket(fileno=3)
        client, _ = listener.accept()
        client.sendall(open('/proc/self/status').read().encode())
        client.close()
        """;

    private static void RequirePython() =>
        Assert.SkipUnless(File.Exists(ExecProbe.Python), $"needs {ExecProbe.Python} as the program privport exec runs");

    private static string[] SetprivLike(DocumentedDropIn unit, string? boundingSet = null)
    {
        string ambient = unit.CapabilitiesForSetpriv("AmbientCapabilities");
        string[] arguments = [Privilege.Setpriv, "--bounding-set", $"-all,{boundingSet ?? unit.CapabilitiesForSetpriv("CapabilityBoundingSet")}",
            "--inh-caps", ambient.Length == 0 ? "-all" : $"-all,{ambient}"];
        return ambient.Length == 0 ? arguments : [.. arguments, "--ambient-caps", ambient];
    }

    private static string Status(string status, string key) =>
        status.Split('\n').Single(line => line.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim();

    [Fact]
    public async Task Exec_under_its_documented_units_capability_sets_binds_drops_everything_and_serves()
    {
        Privilege.RequireRoot();
        RequirePython();
        var unit = DocumentedDropIn.Running("exec");
        string[] wrap = SetprivLike(unit);
        await using var service = ServiceProcess.Start(wrap[0],
            [.. wrap[1..], privport.Executable, "exec", "--user", "65534", "--port", "tcp/127.0.0.1:990", "--", ExecProbe.Python, "-c", StatusServer]);

        string status = await service.FetchAsync(990, "");

        Assert.True(status.Contains("CapBnd:", StringComparison.Ordinal), $"{unit.Source}: {string.Join(' ', wrap)} privport exec did not serve:\n{status}{service.Stderr}");
        Assert.Equal("65534\t65534\t65534\t65534", Status(status, "Uid"));
        Assert.All(new[] { "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd" }, set => Assert.Equal(Zero, Status(status, set)));
    }

    [Fact]
    public async Task Exec_without_CAP_SETPCAP_in_the_bounding_set_refuses_naming_what_is_missing()
    {
        Privilege.RequireRoot();
        RequirePython();
        var info = new ProcessStartInfo(Privilege.Setpriv);
        foreach (string argument in (string[])["--bounding-set", "-all,+net_bind_service,+setuid,+setgid", "--inh-caps", "-all",
            privport.Executable, "exec", "--user", "65534", "--port", "tcp/127.0.0.1:991", "--", ExecProbe.Python, "-c", StatusServer])
        {
            info.ArgumentList.Add(argument);
        }

        var result = await Run.CompleteAsync(info);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains("the capability bounding set holds CAP_SETGID CAP_SETUID CAP_NET_BIND_SERVICE, which privport removes before running as", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("takes CAP_SETPCAP, which this process does not have. Add CAP_SETPCAP to the unit's CapabilityBoundingSet=", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("EPERM", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_without_CAP_SETPCAP_stops_with_the_exit_status_its_unit_does_not_restart_and_says_what_is_missing()
    {
        Privilege.RequireRoot();
        var result = await Run.AsRootAsync(Privilege.Setpriv, "--bounding-set", "-all,+net_bind_service,+setuid,+setgid", "--inh-caps", "-all",
            privport.Executable, "forward", "--user", "65534", "tcp/127.0.0.1:993", "127.0.0.1:9");

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains("privport forward: cannot become", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the capability bounding set holds CAP_SETGID CAP_SETUID CAP_NET_BIND_SERVICE,", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Add CAP_SETPCAP to the unit's CapabilityBoundingSet=", result.Stderr, StringComparison.Ordinal);
        string unit = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, "privport-forward@.service"));
        Assert.Contains("\nRestartPreventExitStatus=78\n", unit, StringComparison.Ordinal);
    }
}
