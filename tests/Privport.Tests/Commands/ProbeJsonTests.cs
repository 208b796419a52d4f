using System.Text.Json;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Commands;

/// <summary>
/// <c>privport probe --json</c> against a real broker, as an unprivileged uid: one object a script can read, with the
/// same exit codes as the text. Queries only: nothing is bound.
/// </summary>
public sealed class ProbeJsonTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;

    [Fact]
    public async Task Granted_and_denied_queries_are_one_object_each()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "web"
            users = ["65534"]
            ports = ["tcp/80"]
            addresses = ["127.0.0.1"]
            """);

        var granted = await Run.AsUidAsync(Nobody, privport.Executable, "probe", "--socket", broker.SocketPath, "--json", "tcp/127.0.0.1:80");
        var denied = await Run.AsUidAsync(Nobody, privport.Executable, "probe", "--socket", broker.SocketPath, "--json", "tcp/127.0.0.1:81");

        Assert.True(granted.ExitCode == 0, granted.ToString());
        using (var json = JsonDocument.Parse(granted.Stdout))
        {
            var answer = json.RootElement;
            Assert.Equal("tcp/127.0.0.1:80", answer.GetProperty("endpoint").GetString());
            Assert.Equal("query", answer.GetProperty("mode").GetString());
            Assert.Equal("granted", answer.GetProperty("outcome").GetString());
            Assert.True(answer.GetProperty("granted").GetBoolean());
            Assert.Contains("web", answer.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, answer.GetProperty("errno").GetInt32());
        }

        Assert.True(denied.ExitCode == 1, denied.ToString());
        using (var json = JsonDocument.Parse(denied.Stdout))
        {
            var answer = json.RootElement;
            Assert.Equal("denied", answer.GetProperty("outcome").GetString());
            Assert.False(answer.GetProperty("granted").GetBoolean());
            Assert.Equal(13, answer.GetProperty("errno").GetInt32());
            Assert.False(string.IsNullOrEmpty(answer.GetProperty("reason").GetString()));
        }
    }

    [Fact]
    public async Task No_broker_is_an_unreachable_outcome_with_exit_2()
    {
        string socket = Path.Combine(privport.Directory, "no-broker.sock");

        var result = await Run.AsRootAsync(privport.Executable, "probe", "--socket", socket, "--mode", "open", "--json", "tcp/127.0.0.1:80");

        Assert.Equal(2, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("unreachable", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("open", json.RootElement.GetProperty("mode").GetString());
        Assert.Contains(socket, json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
