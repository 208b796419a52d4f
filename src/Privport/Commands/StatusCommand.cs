using System.Text.Json;
using Privport.Client;

namespace Privport.Commands;

/// <summary>
/// <c>privport status</c>: the broker's version, uptime, policy files and load time, counters in total and per rule,
/// and the last denials with their reasons. Against a broker that predates STATUS_DETAIL, the counters alone.
/// </summary>
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
        BrokerStatusDetail? detail;
        BrokerCounters counters;
        try
        {
            detail = await client.GetStatusDetailAsync(cancellation);
            counters = detail?.Counters ?? await client.GetStatusAsync(cancellation);
        }
        catch (PrivportException e)
        {
            await _error.WriteLineAsync($"privport status: {e.Message}");
            return e.BrokerUnreachable ? ExitCodes.BrokerUnreachable : ExitCodes.Software;
        }

        using var document = detail is null ? null : JsonDocument.Parse(detail.Json);
        if (json)
        {
            await _out.WriteLineAsync(FormatJson(client.SocketPath, counters, document?.RootElement));
        }
        else
        {
            await _out.WriteAsync(StatusText.Format(client.SocketPath, counters, document?.RootElement));
        }

        return ExitCodes.Ok;
    }

    private static string FormatJson(string socketPath, BrokerCounters counters, JsonElement? detail)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("socket", socketPath);
            writer.WriteNumber("uptime_seconds", counters.UptimeSeconds);
            writer.WriteNumber("requests", counters.Requests);
            writer.WriteNumber("granted", counters.Granted);
            writer.WriteNumber("denied", counters.Denied);
            writer.WriteNumber("errors", counters.Errors);
            writer.WriteNumber("policy_rules", counters.PolicyRules);
            if (detail is { } root)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is not ("uptime_seconds" or "requests" or "granted" or "denied" or "errors"))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
