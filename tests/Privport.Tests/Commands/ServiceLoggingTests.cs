using System.Net;
using System.Text.RegularExpressions;
using Privport.Tests.Broker;
using Privport.Tests.Forwarding;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Commands;

/// <summary>
/// The long-running verbs under systemd (JOURNAL_STREAM set): every stderr line carries its syslog priority, so
/// journald files a fatal error at err, where <c>journalctl -p warning</c> shows it; the forwarder and the broker the
/// same way. Ports 994-995 on loopback belong to this class.
/// </summary>
public sealed partial class ServiceLoggingTests(StagedPrivport privport)
{
    private static readonly Dictionary<string, string?> UnderJournald = new() { ["JOURNAL_STREAM"] = "8:123456" };

    private static string[] Lines(string stderr) => stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Under_journald_the_forwarders_log_lines_carry_priorities_and_no_timestamps()
    {
        Privilege.RequireRoot();
        await using var echo = TcpBackend.Echo(IPAddress.Loopback);
        await using var forwarder = await RunningForwarder.StartWrappedAsync(privport, ["/usr/bin/env", "JOURNAL_STREAM=8:123456"], 1,
            "--user", "65534", "tcp/127.0.0.1:994", echo.Target);
        using (var client = await ForwardClient.ConnectAsync(IPAddress.Loopback, 994))
        {
            Assert.Equal("logged", await ForwardClient.EchoAsync(client, "logged"));
        }

        var lines = Lines(forwarder.Stderr);
        Assert.Contains(lines, line => line.StartsWith("<6>privport[108] dropped privileges to user nobody", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("<6>privport[101] forwarding tcp/127.0.0.1:994", StringComparison.Ordinal));
        Assert.All(lines, line =>
        {
            Assert.Matches(PriorityPrefix(), line);
            Assert.DoesNotMatch(Timestamp(), line);
        });
    }

    [Fact]
    public async Task Under_journald_the_error_that_stops_the_forwarder_is_at_priority_err()
    {
        Privilege.RequireRoot();
        // The start privport-forward@.service could not make under a bounding set without CAP_SETPCAP.
        var result = await Run.AsRootAsync("/usr/bin/env", "JOURNAL_STREAM=8:123456", Privilege.Setpriv,
            "--bounding-set", "-all,+net_bind_service,+setuid,+setgid", "--inh-caps", "-all",
            privport.Executable, "forward", "--user", "65534", "tcp/127.0.0.1:995", "127.0.0.1:9");

        Assert.NotEqual(0, result.ExitCode);
        string line = Assert.Single(Lines(result.Stderr));
        Assert.StartsWith("<3>privport forward: cannot become nobody", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_journald_the_forwarders_fatal_error_is_a_plain_line()
    {
        Privilege.RequireRoot();
        var result = await Run.AsRootAsync("/usr/bin/env", "-u", "JOURNAL_STREAM", privport.Executable, "forward", "--user", "no-such-user-here",
            "tcp/127.0.0.1:995", "127.0.0.1:9");

        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("privport forward: ", Assert.Single(Lines(result.Stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_journald_every_line_of_the_brokers_refusal_to_start_is_at_priority_err()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, """
            [[allow]]
            name = "first"
            users = ["no-such-user-here"]
            ports = ["tcp/80"]

            [[allow]]
            name = "second"
            users = ["0"]
            ports = ["tcp/99999"]
            """, environment: UnderJournald);

        Assert.Equal(78, await broker.Process.WaitForExitAsync());
        var lines = Lines(broker.Process.Stderr);
        Assert.True(lines.Length >= 3, broker.Process.Stderr);
        Assert.StartsWith("<3>privport serve: the policy ", lines[0], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.StartsWith("<3>", line, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^<[0-7]>privport\[[0-9]+\] ")]
    private static partial Regex PriorityPrefix();

    [GeneratedRegex(@"[0-9]{2}:[0-9]{2}:[0-9]{2}")]
    private static partial Regex Timestamp();
}
