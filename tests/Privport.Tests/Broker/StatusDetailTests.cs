using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Privport.Client;
using Privport.Protocol;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>
/// <c>privport status</c> through STATUS_DETAIL: version, policy files and load time, counters per rule, the last
/// denials (at most 32). Ports 765-767 on loopback belong to this class.
/// </summary>
public sealed class StatusDetailTests(StagedPrivport privport)
{
    private const string Policy = """
        [[allow]]
        name = "root765"
        users = ["0"]
        ports = ["tcp/765"]
        """;

    [Fact]
    public async Task Status_json_has_version_policy_files_per_rule_counts_and_the_last_32_denials()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        var client = new PrivportClient(broker.SocketPath);
        Assert.True((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:765"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        for (int i = 0; i < 40; i++)
        {
            Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:766"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);
        }

        // Another uid asking for the rule's port: a denial that counts against root765, its nearest miss.
        var other = await Run.AsUidAsync(65534, privport.Executable, "probe", "--socket", broker.SocketPath, "tcp/127.0.0.1:765");
        Assert.True(other.ExitCode == 1, other.ToString());

        var status = await Run.AsRootAsync(privport.Executable, "status", "--socket", broker.SocketPath, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using var json = JsonDocument.Parse(status.Stdout);
        var root = json.RootElement;

        var expectedVersion = await Run.AsRootAsync(privport.Executable, "--version");
        Assert.Equal(expectedVersion.Stdout.Trim(), root.GetProperty("version").GetString());
        Assert.Equal(broker.SocketPath, root.GetProperty("socket").GetString());
        Assert.True(root.GetProperty("uptime_seconds").GetUInt64() < 600);
        Assert.Equal(1UL, root.GetProperty("granted").GetUInt64());
        Assert.Equal(41UL, root.GetProperty("denied").GetUInt64());
        Assert.False(root.GetProperty("socket_activated").GetBoolean());
        Assert.False(root.GetProperty("truncated").GetBoolean());

        var policy = root.GetProperty("policy");
        Assert.Equal(broker.PolicyPath, policy.GetProperty("path").GetString());
        Assert.Equal([broker.PolicyPath], policy.GetProperty("files").EnumerateArray().Select(file => file.GetString()));
        var loadedAt = DateTimeOffset.Parse(policy.GetProperty("loaded_at").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(loadedAt, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddSeconds(1));

        var rules = root.GetProperty("rules").EnumerateArray().ToDictionary(rule => rule.GetProperty("name").GetString()!);
        Assert.Equal(1, rules["root765"].GetProperty("granted").GetInt64());
        Assert.Equal(1, rules["root765"].GetProperty("denied").GetInt64());
        Assert.Equal(40, rules["(none)"].GetProperty("denied").GetInt64());

        var denials = root.GetProperty("recent_denials").EnumerateArray().ToList();
        Assert.Equal(32, denials.Count);
        Assert.Equal(65534U, denials[0].GetProperty("uid").GetUInt32());
        Assert.Equal("root765", denials[0].GetProperty("nearest_rule").GetString());
        Assert.Equal("tcp/127.0.0.1:765", denials[0].GetProperty("endpoint").GetString());
        Assert.Contains("root765", denials[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("QUERY", denials[1].GetProperty("op").GetString());
        Assert.Contains("766", denials[1].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("all", root.GetProperty("recent_denials_of").GetString());

        // Another user sees its own denial only: the others name root's programs and ports.
        var asNobody = await Run.AsUidAsync(65534, privport.Executable, "status", "--socket", broker.SocketPath, "--json");
        Assert.True(asNobody.ExitCode == 0, asNobody.ToString());
        using var nobodyJson = JsonDocument.Parse(asNobody.Stdout);
        Assert.Equal("uid 65534", nobodyJson.RootElement.GetProperty("recent_denials_of").GetString());
        var own = Assert.Single(nobodyJson.RootElement.GetProperty("recent_denials").EnumerateArray());
        Assert.Equal(65534U, own.GetProperty("uid").GetUInt32());
    }

    [Fact]
    public async Task Status_text_names_the_policy_file_and_the_last_denial_and_old_status_still_works()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, Policy);
        var client = new PrivportClient(broker.SocketPath);
        Assert.False((await client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:767"), cancellationToken: TestContext.Current.CancellationToken)).Allowed);

        var status = await Run.AsRootAsync(privport.Executable, "status", "--socket", broker.SocketPath);
        var counters = await client.GetStatusAsync(TestContext.Current.CancellationToken);

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains($"policy {broker.PolicyPath}: 1 rules, loaded ", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("last denials, newest first:", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("QUERY tcp/127.0.0.1:767 uid 0", status.Stdout, StringComparison.Ordinal);
        Assert.Equal(1UL, counters.Denied);
    }

    [Fact]
    public async Task A_broker_without_status_detail_gets_the_counters_only()
    {
        string directory = Directory.CreateTempSubdirectory("privport-oldbroker-").FullName;
        try
        {
            string path = Path.Combine(directory, "old.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(4);
            var oldBroker = Task.Run(() => AnswerAsOldBroker(listener), TestContext.Current.CancellationToken);

            var detail = await new PrivportClient(path).GetStatusDetailAsync(TestContext.Current.CancellationToken);

            Assert.Null(detail);
            await oldBroker.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // What a broker before STATUS_DETAIL does with op 16: EINVAL, "unknown op", and the connection closed.
    private static void AnswerAsOldBroker(Socket listener)
    {
        using var connection = listener.Accept();
        var request = new byte[WireFormat.RequestSize];
        int length = connection.Receive(request);
        Assert.Equal(WireFormat.RequestSize, length);
        Assert.Equal((ushort)BrokerOp.StatusDetail, BitConverter.ToUInt16(request, WireFormat.RequestOffsetOp));
        var reply = new byte[WireFormat.ReplySize];
        ReplyCodec.Encode(new BrokerReply(BrokerOp.Query, 22, ReplyDecision.None, 0, "invalid request: request has unknown op 16", default), reply);
        connection.Send(reply);
    }
}
