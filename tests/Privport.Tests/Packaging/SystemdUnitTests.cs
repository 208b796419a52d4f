using System.Globalization;
using System.Text.RegularExpressions;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Packaging;

/// <summary>The unit files in packaging/systemd, checked by systemd's own tools.</summary>
public sealed partial class SystemdUnitTests(StagedPrivport privport)
{
    [Fact]
    public async Task Every_unit_passes_systemd_analyze_verify()
    {
        string analyze = RequireSystemdAnalyze();
        string directory = CopyUnits();
        try
        {
            var result = await Run.AsRootAsync(analyze, "verify", "--man=no",
                Path.Combine(directory, "privport.socket"), Path.Combine(directory, "privport.service"),
                Path.Combine(directory, "privport-forward@.service"), Path.Combine(directory, "privport-forward@web.service"));

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.DoesNotContain("privport", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_broker_unit_has_an_exposure_of_at_most_1_5()
    {
        string analyze = RequireSystemdAnalyze();
        var result = await Run.AsRootAsync(analyze, "security", "--offline=yes", Path.Combine(RepositoryFiles.UnitDirectory, "privport.service"));

        var overall = OverallExposure().Match(result.Stdout + result.Stderr);
        Assert.True(overall.Success, result.ToString());
        double exposure = double.Parse(overall.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 1.5, $"exposure {exposure}:\n{result.Stdout}");
    }

    [Fact]
    public async Task With_the_exe_and_group_rules_drop_in_the_broker_unit_still_verifies_and_gains_only_ptrace()
    {
        string analyze = RequireSystemdAnalyze();
        string directory = CopyUnits();
        try
        {
            // The drop-in applied the way systemd applies it: its [Service] lines added to the unit's.
            string service = Path.Combine(directory, "privport.service");
            var dropIn = File.ReadAllLines(Path.Combine(RepositoryFiles.UnitDirectory, "exe-and-group-rules.conf"))
                .Where(line => line.Length > 0 && !line.StartsWith('#') && line != "[Service]").ToList();
            Assert.Equal(["CapabilityBoundingSet=CAP_SYS_PTRACE", "AmbientCapabilities=CAP_SYS_PTRACE"], dropIn);
            File.WriteAllText(service, File.ReadAllText(service).Replace("[Install]", string.Join('\n', dropIn) + "\n\n[Install]", StringComparison.Ordinal));

            var verify = await Run.AsRootAsync(analyze, "verify", "--man=no", Path.Combine(directory, "privport.socket"), service);
            var security = await Run.AsRootAsync(analyze, "security", "--offline=yes", service);

            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.Contains("CapabilityBoundingSet=~CAP_SYS_PTRACE", security.Stdout, StringComparison.Ordinal);
            Assert.Matches(OverallExposure(), security.Stdout);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_broker_unit_is_notify_type_reloads_with_sighup_and_is_socket_activated()
    {
        string service = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, "privport.service"));
        string socket = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, "privport.socket"));

        Assert.Contains("\nType=notify\n", service, StringComparison.Ordinal);
        Assert.Contains("\nExecReload=/bin/kill -HUP $MAINPID\n", service, StringComparison.Ordinal);
        Assert.Contains("\nListenSequentialPacket=/run/privport/broker.sock\n", socket, StringComparison.Ordinal);
        Assert.Contains("\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n", service, StringComparison.Ordinal);
        Assert.DoesNotContain("\nIPAddressDeny=", service, StringComparison.Ordinal);
    }

    [Fact]
    public void The_forwarder_template_reads_its_instance_file()
    {
        string template = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, "privport-forward@.service"));

        Assert.Contains("\nExecStart=/usr/bin/privport forward --config /etc/privport/forward.d/%i.toml\n", template, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_server_units_raise_the_descriptor_limit_above_1024()
    {
        foreach (string unit in new[] { "privport.service", "privport-forward@.service" })
        {
            string service = File.ReadAllText(Path.Combine(RepositoryFiles.UnitDirectory, unit));
            var limit = System.Text.RegularExpressions.Regex.Match(service, @"\nLimitNOFILE=(\d+)\n");

            Assert.True(limit.Success, $"{unit} sets no LimitNOFILE=");
            Assert.True(int.Parse(limit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 65536, $"{unit}: LimitNOFILE={limit.Groups[1].Value}");
        }
    }

    private static string RequireSystemdAnalyze()
    {
        string? analyze = RepositoryFiles.FindTool("systemd-analyze");
        Assert.SkipWhen(analyze is null, "needs systemd-analyze (apt-get install systemd) to check the unit files");
        return analyze!;
    }

    // verify checks that ExecStart's program exists: where privport is not installed, the copies name the one under test.
    private string CopyUnits()
    {
        string directory = Directory.CreateTempSubdirectory("privport-units-").FullName;
        bool installed = File.Exists("/usr/bin/privport");
        foreach (string unit in Directory.GetFiles(RepositoryFiles.UnitDirectory, "privport*"))
        {
            string text = File.ReadAllText(unit);
            File.WriteAllText(Path.Combine(directory, Path.GetFileName(unit)),
                installed ? text : text.Replace("/usr/bin/privport", privport.Executable, StringComparison.Ordinal));
        }

        return directory;
    }

    [GeneratedRegex(@"Overall exposure level for privport\.service: ([0-9]+\.[0-9]+)")]
    private static partial Regex OverallExposure();
}
