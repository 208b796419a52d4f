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

        if (!TryRender(client.SocketPath, counters, detail?.Json, json, out string output))
        {
            await _error.WriteLineAsync($"privport status: {output}");
            return ExitCodes.Software;
        }

        await (json ? _out.WriteLineAsync(output) : _out.WriteAsync(output));
        return ExitCodes.Ok;
    }

    /// <summary>The status as printed; false with <paramref name="output"/> saying why when the broker's document is unreadable.</summary>
    internal static bool TryRender(string socketPath, BrokerCounters counters, string? detailJson, bool json, out string output)
    {
        try
        {
            using var document = detailJson is null ? null : JsonDocument.Parse(detailJson);
            output = json ? FormatJson(socketPath, counters, document?.RootElement) : StatusText.Format(socketPath, counters, document?.RootElement);
            return true;
        }
        // What JsonDocument and JsonElement throw for text that is not JSON, a missing property, a value of another
        // kind or a number out of range: the document does not have the layout of docs/protocol.md.
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            output = $"the broker at {socketPath} sent a STATUS_DETAIL document this privport cannot read ({e.Message}); "
                + "check that the broker runs the same privport version as this command";
            return false;
        }
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
