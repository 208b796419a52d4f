using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>Start, reload, status and stop of a real broker. Ports 640-649 on loopback belong to this class.</summary>
public sealed class BrokerLifecycleTests(StagedPrivport privport)
{
    private const string Port640 = """
        [[allow]]
        name = "first"
        users = ["0"]
        ports = ["tcp/640"]
        """;

    [Fact]
    public async Task Sighup_reloads_the_policy()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Port640);
        var client = new PrivportClient(broker.SocketPath);
        Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:641"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);

        await File.WriteAllTextAsync(broker.PolicyPath, Port640.Replace("tcp/640", "tcp/641", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        await broker.SignalAsync("HUP");

        await Eventually.WaitUntilAsync(async () => (await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:641"))).Allowed, "the reloaded policy to allow tcp/641", 10);
        Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:640"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task Sighup_with_a_broken_policy_keeps_the_last_good_one_and_says_why()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Port640);
        var client = new PrivportClient(broker.SocketPath);

        await File.WriteAllTextAsync(broker.PolicyPath, "[[allow]]\nusers = [\"0\"]\nports = [\"tcp/99999\"]\n", TestContext.Current.CancellationToken);
        await broker.SignalAsync("HUP");
        await Eventually.WaitUntilAsync(() => broker.Stderr.Contains("keeping the previous policy", StringComparison.Ordinal), "the failed reload to be logged", 10);

        Assert.Contains("policy.toml:3", broker.Stderr, StringComparison.Ordinal);
        Assert.True((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:640"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        Assert.False(broker.HasExited);
    }

    [Fact]
    public async Task Sigterm_stops_cleanly_and_removes_the_socket()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Port640);

        int exitCode = await broker.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.False(File.Exists(broker.SocketPath));
    }

    [Fact]
    public async Task Broker_does_not_start_with_a_broken_policy_and_names_file_and_line()
    {
        Privilege.RequireRoot();
        string directory = Directory.CreateTempSubdirectory("privport-broken-").FullName;
        try
        {
            string policy = Path.Combine(directory, "policy.toml");
            await File.WriteAllTextAsync(policy, "[[allow]]\nusers = [\"0\"]\nports = [\"tcp/80\"]\ncolour = \"blue\"\n", TestContext.Current.CancellationToken);

            var result = await Run.AsRootAsync(privport.Executable, "serve", "--policy", policy, "--socket", Path.Combine(directory, "s.sock"));

            Assert.True(result.ExitCode == 78, result.ToString());
            Assert.Contains("policy.toml:4", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("colour", result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(directory, "s.sock")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_broker_does_not_take_over_a_live_socket()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Port640);

        var second = await Run.AsRootAsync(privport.Executable, "serve", "--policy", broker.PolicyPath, "--socket", broker.SocketPath);

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("already listening", second.Stderr, StringComparison.Ordinal);
        Assert.True((await new PrivportClient(broker.SocketPath).QueryAsync(Endpoint.Parse("tcp/127.0.0.1:640"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
    }

    [Fact]
    public async Task Status_counts_requests_grants_denials_and_rules()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Port640);
        var client = new PrivportClient(broker.SocketPath);
        await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:640"), cancellationToken: TestContext.Current.CancellationToken);
        await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:642"), cancellationToken: TestContext.Current.CancellationToken);

        var counters = await client.GetStatusAsync(TestContext.Current.CancellationToken);
        var cli = await Run.AsRootAsync(privport.Executable, "status", "--socket", broker.SocketPath, "--json");

        Assert.Equal(1UL, counters.Granted);
        Assert.Equal(1UL, counters.Denied);
        Assert.Equal(3UL, counters.Requests);
        Assert.Equal(1UL, counters.PolicyRules);
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("\"granted\":1", cli.Stdout, StringComparison.Ordinal);
    }
}
