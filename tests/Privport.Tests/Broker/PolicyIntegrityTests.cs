using System.Diagnostics;
using Privport.Tests.Infrastructure;
using Privport.Tests.Policy;

namespace Privport.Tests.Broker;

/// <summary>
/// The real binary refuses policy files another user could change, and a FIFO among them cannot hang it: at start
/// (exit 78), on reload (the last good policy stays) and in <c>privport policy check</c>. Port 920 on loopback
/// belongs to this class.
/// </summary>
public sealed class PolicyIntegrityTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root920"
        users = ["0"]
        ports = ["tcp/920"]
        """;

    private const string Grab = """
        [[allow]]
        name = "grab"
        users = ["*"]
        ports = ["tcp/1-1023"]
        """;

    [Fact]
    public async Task Broker_refuses_to_start_with_a_world_writable_drop_in_and_names_it()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Policy);
        string dropIn = directory.Write("policy.d/grab.toml", Grab);
        File.SetUnixFileMode(dropIn, (UnixFileMode)0b110_110_110);
        await using var broker = Serve(main, directory);

        int? exitCode = await WaitForExitOrNullAsync(broker, 10);

        Assert.True(exitCode == 78, $"exit {exitCode?.ToString() ?? "none within 10 s"}:\n{broker.Stderr}");
        Assert.Contains($"chmod go-w {dropIn}", broker.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(directory.PathOf("broker.sock")));
    }

    [Fact]
    public async Task Broker_refuses_a_fifo_drop_in_promptly_instead_of_hanging()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Policy);
        Directory.CreateDirectory(directory.PathOf("policy.d"));
        string fifo = directory.PathOf("policy.d/evil.toml");
        PolicyFileTrustTests.MakeFifo(fifo);
        await using var broker = Serve(main, directory);

        int? exitCode = await WaitForExitOrNullAsync(broker, 10);

        Assert.True(exitCode == 78, $"exit {exitCode?.ToString() ?? "none within 10 s"}:\n{broker.Stderr}");
        Assert.Contains($"{fifo}: policy: is a FIFO, not a regular file", broker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_with_a_fifo_or_a_strangers_drop_in_keeps_the_last_good_policy_and_says_why()
    {
        Privilege.RequireRoot();
        await using var broker = BrokerProcess.Start(privport, Policy);
        await broker.WaitUntilListeningAsync();
        Assert.False(broker.Process.HasExited, broker.Process.Stderr);
        string dropIns = Path.Combine(broker.Directory, "policy.d");
        Directory.CreateDirectory(dropIns);
        string fifo = Path.Combine(dropIns, "evil.toml");
        PolicyFileTrustTests.MakeFifo(fifo);

        await broker.Process.SignalAsync("HUP");
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains("reload", StringComparison.Ordinal)
            && broker.Process.Stderr.Contains(fifo, StringComparison.Ordinal), "the failed reload naming the FIFO", seconds: 10);

        File.Delete(fifo);
        string theirs = Path.Combine(dropIns, "grab.toml");
        await File.WriteAllTextAsync(theirs, Grab, TestContext.Current.CancellationToken);
        PolicyFileTrustTests.Chown(theirs, 61913);
        await broker.Process.SignalAsync("HUP");
        await broker.Process.WaitUntilAsync(() => broker.Process.Stderr.Contains($"chown root {theirs}", StringComparison.Ordinal), "the failed reload naming the file", seconds: 10);

        var granted = await Run.AsRootAsync(privport.Executable, "probe", "--socket", broker.SocketPath, "tcp/127.0.0.1:920");
        var stranger = await Run.AsUidAsync(61913, privport.Executable, "probe", "--socket", broker.SocketPath, "tcp/127.0.0.1:920");
        Assert.True(granted.ExitCode == 0, granted + "\n" + broker.Process.Stderr);
        Assert.True(stranger.ExitCode == 1, stranger.ToString());
    }

    [Fact]
    public async Task Policy_check_exits_78_for_a_drop_in_owned_by_an_unprivileged_user_and_0_once_it_is_roots()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Policy);
        string dropIn = directory.Write("policy.d/grab.toml", Grab);
        PolicyFileTrustTests.Chown(dropIn, 61913);

        var refused = await Run.AsRootAsync(privport.Executable, "policy", "check", main);
        PolicyFileTrustTests.Chown(dropIn, 0);
        var accepted = await Run.AsRootAsync(privport.Executable, "policy", "check", main);

        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Contains($"{dropIn}: policy: is owned by uid 61913", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains($"chown root {dropIn}", refused.Stderr, StringComparison.Ordinal);
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
        Assert.Contains("grab", accepted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_check_of_a_fifo_drop_in_returns_promptly_with_78()
    {
        Privilege.RequireRoot();
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Policy);
        Directory.CreateDirectory(directory.PathOf("policy.d"));
        PolicyFileTrustTests.MakeFifo(directory.PathOf("policy.d/evil.toml"));
        var info = new ProcessStartInfo(privport.Executable) { ArgumentList = { "policy", "check", main } };
        await using var check = ServiceProcess.Start(info);

        int? exitCode = await WaitForExitOrNullAsync(check, 10);

        Assert.True(exitCode == 78, $"exit {exitCode?.ToString() ?? "none within 10 s"}:\n{check.Stderr}");
        Assert.Contains("evil.toml", check.Stderr, StringComparison.Ordinal);
    }

    private ServiceProcess Serve(string policy, TempPolicyDirectory directory) =>
        ServiceProcess.Start(privport.Executable, ["serve", "--policy", policy, "--socket", directory.PathOf("broker.sock")]);

    private static async Task<int?> WaitForExitOrNullAsync(ServiceProcess process, double seconds)
    {
        try
        {
            return await process.WaitForExitAsync(seconds);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
