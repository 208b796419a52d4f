using System.Text.Json;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;

namespace Privport.Doctor.Output;

/// <summary>
/// <c>--json</c>: one object with program, protocol, address, port, errno (the live result when there is one),
/// claimedErrno, verdict, reproduction, evidence (where in the message the port and errno were read: line, column,
/// length, text, form), notes and the ranked causes with their fixes. Written with Utf8JsonWriter;
/// text is not HTML-escaped, so the verdict's dash and quotes in commands read as printed.
/// </summary>
internal static class DiagnosisJsonWriter
{
    public static void Write(Diagnosis diagnosis, Stream output)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("program", diagnosis.Program);
        json.WriteString("protocol", diagnosis.Protocol);
        json.WriteString("address", diagnosis.Address);
        if (diagnosis.Port is { } port)
        {
            json.WriteNumber("port", port);
        }
        else
        {
            json.WriteNull("port");
        }

        json.WriteString("errno", diagnosis.Errno?.ToString());
        json.WriteString("claimedErrno", diagnosis.ClaimedErrno?.ToString());
        json.WriteString("verdict", diagnosis.Verdict);
        if (diagnosis.Reproduction is { } reproduction)
        {
            json.WriteStartObject("reproduction");
            json.WriteString("as", reproduction.As);
            if (reproduction.Errno is { } errno)
            {
                json.WriteString("result", errno == 0 ? "bound" : Privport.Interop.Errno.Name(errno));
            }
            else
            {
                json.WriteNull("result");
            }

            json.WriteString("notTried", reproduction.NotTried);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("reproduction");
        }

        json.WriteStartObject("evidence");
        WriteEvidence(json, "port", diagnosis.PortEvidence);
        WriteEvidence(json, "errno", diagnosis.ErrnoEvidence);
        json.WriteEndObject();
        Strings(json, "notes", diagnosis.Notes);
        json.WriteStartArray("causes");
        foreach (var cause in diagnosis.Causes)
        {
            WriteCause(json, cause);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteCause(Utf8JsonWriter json, Cause cause)
    {
        json.WriteStartObject();
        json.WriteString("id", cause.Id);
        json.WriteString("summary", cause.Summary);
        Strings(json, "evidence", cause.Evidence);
        json.WriteStartArray("fixes");
        foreach (var fix in cause.Fixes)
        {
            json.WriteStartObject();
            json.WriteString("title", fix.Title);
            Strings(json, "commands", fix.Commands);
            json.WriteString("tradeoff", fix.Tradeoff);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteEvidence(Utf8JsonWriter json, string name, Evidence? evidence)
    {
        if (evidence is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteNumber("line", evidence.Line);
        json.WriteNumber("column", evidence.Column);
        json.WriteNumber("length", evidence.Text.Length);
        json.WriteString("text", evidence.Text);
        json.WriteString("form", evidence.Form);
        json.WriteEndObject();
    }
}
