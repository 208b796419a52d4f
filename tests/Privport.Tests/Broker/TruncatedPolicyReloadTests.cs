using Privport.Client;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// A reload that finds the policy cut off mid-write is refused, and the broker keeps serving the last good policy.
/// Only QUERY is sent: no port is bound.
/// </summary>
public sealed class TruncatedPolicyReloadTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root80"
        users = ["0"]
        ports = ["tcp/80"]
        """;

    [Fact]
    public async Task Broker_keeps_its_policy_when_a_reload_finds_a_file_ending_inside_a_string_escape()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        await File.WriteAllTextAsync(broker.PolicyPath, "[[allow]]\nname = \"root80\\", TestContext.Current.CancellationToken);

        await broker.SignalAsync("HUP");
        await Eventually.WaitUntilAsync(() => broker.HasExited || broker.Stderr.Contains("ends inside a string", StringComparison.Ordinal), "the failed reload to be logged", 10, () => broker.Stderr);

        Assert.False(broker.HasExited, $"the broker died on the reload:\n{broker.Stderr}");
        Assert.Contains("policy.toml:2: syntax: the file ends inside a string", broker.Stderr, StringComparison.Ordinal);
        var decision = await new PrivportClient(broker.SocketPath).QueryAsync(
            Endpoint.Parse("tcp/127.0.0.1:80"), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(decision.Allowed, decision.Reason);
    }
}
