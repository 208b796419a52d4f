using Privport.Commands;

namespace Privport.Tests.Commands;

public sealed class ProbeCommandTests
{
    [Theory]
    [InlineData("80")]
    [InlineData("sctp/80")]
    [InlineData("tcp/0")]
    [InlineData("tcp/::1:80")]
    public async Task Probe_rejects_a_malformed_endpoint_with_the_usage_exit_code(string endpoint)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await new ProbeCommand(output, error).RunAsync("/nonexistent.sock", ProbeMode.Query, false, endpoint, json: false, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains(endpoint, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Probe_exits_2_when_no_broker_answers()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await new ProbeCommand(output, error).RunAsync("/nonexistent/broker.sock", ProbeMode.Query, false, "tcp/80", json: false, TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BrokerUnreachable, exitCode);
        Assert.Contains("/nonexistent/broker.sock", error.ToString(), StringComparison.Ordinal);
    }
}
