using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Privport.Client;

namespace Privport.Redirect;

/// <summary>
/// <c>redirect list --json</c>: <c>{"table": "inet privport", "redirects": [{"protocol", "port", "target_port",
/// "address", "chains"}]}</c>, written without reflection so NativeAOT keeps working.
/// </summary>
internal static class RedirectJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(IReadOnlyList<InstalledRedirect> installed, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("table", RedirectTable.Table);
            json.WriteStartArray("redirects");
            foreach (var rule in installed.Select(found => found.Rule).Distinct())
            {
                json.WriteStartObject();
                json.WriteString("protocol", Endpoint.ProtocolName(rule.Protocol));
                json.WriteNumber("port", rule.Port);
                json.WriteNumber("target_port", rule.TargetPort);
                json.WriteString("address", rule.Address?.ToString());
                json.WriteStartArray("chains");
                foreach (var found in installed.Where(found => found.Rule == rule))
                {
                    json.WriteStringValue(found.Chain);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
