using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Privport.Commands;

/// <summary><c>policy test --json</c>: one object, written without reflection so NativeAOT keeps working.</summary>
internal static class PolicyTestJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(PolicyTestAnswer answer, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteBoolean("allowed", answer.Decision.Allowed);
            json.WriteString("path", answer.Path);
            json.WriteString("rule", answer.Decision.Allowed ? answer.Decision.RuleId : answer.Decision.NearestRuleId);
            json.WriteString("scope", answer.Scope);
            json.WriteString("reason", answer.Decision.Reason);
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
