using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Privport.Commands;

/// <summary>
/// <c>probe --json</c>: one object, <c>{"endpoint", "mode", "outcome", "granted", "reason", "errno"}</c> (privport(8)),
/// written without reflection so NativeAOT keeps working.
/// </summary>
internal static class ProbeJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Format(ProbeAnswer answer)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("endpoint", answer.Endpoint.ToString());
            json.WriteString("mode", answer.Mode.ToString().ToLowerInvariant());
            json.WriteString("outcome", answer.Outcome.ToString().ToLowerInvariant());
            json.WriteBoolean("granted", answer.Outcome == ProbeOutcome.Granted);
            json.WriteString("reason", answer.Reason);
            json.WriteNumber("errno", answer.Errno);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
