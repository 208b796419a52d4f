using Privport.Client;
using Privport.Commands;

namespace Privport.Tests.Commands;

/// <summary><c>privport status</c> prints what a broker's STATUS_DETAIL document says, or says it cannot read it.</summary>
public sealed class StatusDocumentTests
{
    private static readonly BrokerCounters Counters = new(10, 5, 3, 2, 0, 1);

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("{}")]
    [InlineData("{\"version\": 1, \"pid\": \"x\"}")]
    [InlineData("{\"version\": \"1\", \"pid\": 99999999999, \"socket_activated\": false}")]
    public void A_document_without_the_documented_layout_is_reported_not_thrown(string json)
    {
        Assert.False(StatusCommand.TryRender("/run/privport.sock", Counters, json, json: false, out string text));
        Assert.Contains("STATUS_DETAIL document this privport cannot read", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    public void The_json_form_reports_a_document_that_is_not_an_object(string json)
    {
        Assert.False(StatusCommand.TryRender("/run/privport.sock", Counters, json, json: true, out string text));
        Assert.Contains("STATUS_DETAIL document this privport cannot read", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broker_without_status_detail_gives_the_counters_alone()
    {
        Assert.True(StatusCommand.TryRender("/run/privport.sock", Counters, null, json: false, out string text));
        Assert.Contains("5 requests: 3 granted, 2 denied, 0 errors", text, StringComparison.Ordinal);
    }
}
