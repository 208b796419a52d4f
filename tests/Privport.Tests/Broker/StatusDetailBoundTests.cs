using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Privport.Broker;
using Privport.Protocol;
using Privport.Tests.Policy;

namespace Privport.Tests.Broker;

/// <summary>The STATUS_DETAIL document stays within the protocol's bound however long the kept denials are.</summary>
public sealed class StatusDetailBoundTests
{
    [Fact]
    public void Long_denials_are_dropped_oldest_first_until_the_document_fits_the_protocols_bound()
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.Write("policy.toml", "[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        var store = new PolicyStore(path, new FakeAccountDirectory(), NullLogger.Instance);
        var statistics = new BrokerStatistics();
        // The longest a kept denial gets: control characters in the exe name (6 bytes each once escaped) and quotes in
        // the reason (2 bytes each).
        string exe = "/tmp/" + new string('\u0001', 400);
        string reason = new('"', 700);
        var time = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < BrokerStatistics.RecentDenialCapacity; i++)
        {
            statistics.CountDenied(new RecentDenial(time.AddSeconds(i), "BIND", 61000, 1000 + i, exe, "tcp/[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535", "web", reason));
        }

        byte[] document = StatusDetailWriter.Write(statistics, store, socketActivated: false, callerUid: 0);

        Assert.True(document.Length <= WireFormat.StatusDetailMaxSize, $"{document.Length} bytes");
        using var json = JsonDocument.Parse(document);
        var denials = json.RootElement.GetProperty("recent_denials").EnumerateArray().ToList();
        Assert.InRange(denials.Count, 1, BrokerStatistics.RecentDenialCapacity - 1);
        Assert.Equal(1000 + BrokerStatistics.RecentDenialCapacity - 1, denials[0].GetProperty("pid").GetInt32());
        Assert.Equal(
            Enumerable.Range(0, denials.Count).Select(i => 1000 + BrokerStatistics.RecentDenialCapacity - 1 - i),
            denials.Select(denial => denial.GetProperty("pid").GetInt32()));
        Assert.Equal(BrokerStatistics.RecentDenialCapacity - denials.Count, json.RootElement.GetProperty("recent_denials_left_out").GetInt32());
        Assert.True(json.RootElement.GetProperty("truncated").GetBoolean());
        Assert.True(document.Length > WireFormat.StatusDetailMaxSize - 4096, string.Create(CultureInfo.InvariantCulture, $"only {document.Length} bytes: more denials would have fit"));
    }
}
