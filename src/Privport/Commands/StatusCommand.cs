using System.Text.Json;
using Privport.Client;

namespace Privport.Commands;

/// <summary><c>privport status</c>: the broker's counters.</summary>
internal sealed class StatusCommand
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public StatusCommand(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    public async Task<int> RunAsync(string? socketPath, bool json, CancellationToken cancellation)
    {
        var client = new PrivportClient(socketPath);
        BrokerCounters counters;
        try
        {
            counters = await client.GetStatusAsync(cancellation);
        }
        catch (PrivportException e)
        {
            await _error.WriteLineAsync($"privport status: {e.Message}");
            return e.BrokerUnreachable ? ExitCodes.BrokerUnreachable : ExitCodes.Software;
        }

        if (json)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteString("socket", client.SocketPath);
                writer.WriteNumber("uptime_seconds", counters.UptimeSeconds);
                writer.WriteNumber("requests", counters.Requests);
                writer.WriteNumber("granted", counters.Granted);
                writer.WriteNumber("denied", counters.Denied);
                writer.WriteNumber("errors", counters.Errors);
                writer.WriteNumber("policy_rules", counters.PolicyRules);
                writer.WriteEndObject();
            }

            await _out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
        else
        {
            await _out.WriteLineAsync(
                $"broker {client.SocketPath}: up {counters.UptimeSeconds} s, {counters.PolicyRules} rules; " +
                $"{counters.Requests} requests: {counters.Granted} granted, {counters.Denied} denied, {counters.Errors} errors");
        }

        return ExitCodes.Ok;
    }
}
