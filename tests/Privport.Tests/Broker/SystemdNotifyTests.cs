using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// sd_notify as a Type=notify unit needs it: the test plays systemd's NOTIFY_SOCKET. Port 764 belongs to this class.
/// </summary>
public sealed class SystemdNotifyTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        users = ["0"]
        ports = ["tcp/764"]
        """;

    [Fact]
    public async Task Broker_notifies_ready_once_listening_reloading_on_sighup_and_stopping()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-notify-").FullName;
        try
        {
            string notifyPath = Path.Combine(directory, "notify");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
            await using var broker = BrokerProcess.Start(privport, Policy,
                environment: new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notifyPath });

            string ready = await ReceiveAsync(notify, broker);
            Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
            Assert.Contains("STATUS=serving; policy", ready, StringComparison.Ordinal);
            Assert.True(File.Exists(broker.SocketPath), "READY=1 came before the socket existed");

            long beforeReload = MonotonicMicroseconds();
            await broker.Process.SignalAsync("HUP");
            string reloading = await ReceiveAsync(notify, broker);
            Assert.StartsWith("RELOADING=1\nMONOTONIC_USEC=", reloading, StringComparison.Ordinal);
            long stamp = long.Parse(reloading.Split('\n')[1]["MONOTONIC_USEC=".Length..], CultureInfo.InvariantCulture);
            Assert.InRange(stamp, beforeReload, MonotonicMicroseconds());
            Assert.StartsWith("READY=1\n", await ReceiveAsync(notify, broker), StringComparison.Ordinal);

            await broker.Process.SignalAsync("TERM");
            Assert.StartsWith("STOPPING=1", await ReceiveAsync(notify, broker), StringComparison.Ordinal);
            Assert.Equal(0, await broker.Process.WaitForExitAsync());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_empty_policy_is_served_but_the_status_and_log_say_it_denies_everything()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-notify-").FullName;
        try
        {
            string notifyPath = Path.Combine(directory, "notify");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
            await using var broker = BrokerProcess.Start(privport, "# every rule commented out\n",
                environment: new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = notifyPath });

            string ready = await ReceiveAsync(notify, broker);

            Assert.Contains("has NO rules, so every request is denied", ready, StringComparison.Ordinal);
            await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("has no rules: every request is denied", StringComparison.Ordinal), "the empty-policy warning");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // CLOCK_MONOTONIC, the clock MONOTONIC_USEC is read from.
    private static long MonotonicMicroseconds() => Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000);

    private static Task<string> ReceiveAsync(Socket notify, BrokerProcess broker) => NotifyMessages.ReceiveAsync(notify, () => broker.Process.Stderr);
}
