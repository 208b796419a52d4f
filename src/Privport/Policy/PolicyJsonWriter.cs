using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Privport.Client;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// The effective rules, or the load errors, as JSON for scripts. Written with <see cref="Utf8JsonWriter"/>: no
/// reflection, so NativeAOT keeps working.
/// </summary>
internal static class PolicyJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,

        // The output goes to terminals and scripts, not into HTML: keep quotes and apostrophes in messages readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(PortPolicy policy, TextWriter output) => Emit(output, json =>
    {
        json.WriteStartArray("files");
        foreach (string file in policy.Files)
        {
            json.WriteStringValue(file);
        }

        json.WriteEndArray();
        json.WriteStartArray("rules");
        foreach (var rule in policy.Rules)
        {
            WriteRule(json, rule);
        }

        json.WriteEndArray();
        WriteErrors(json, "warnings", policy.Warnings);
    });

    public static void WriteErrors(IReadOnlyList<ConfigError> errors, TextWriter output) =>
        Emit(output, json => WriteErrors(json, "errors", errors));

    private static void Emit(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteRule(Utf8JsonWriter json, PolicyRule rule)
    {
        json.WriteStartObject();
        json.WriteString("id", rule.Id);
        json.WriteString("name", rule.Name);
        json.WriteString("file", rule.File);
        json.WriteNumber("line", rule.Line);
        json.WriteBoolean("any_user", rule.AnyUser);
        WriteAccounts(json, "users", "uid", rule.Users);
        WriteAccounts(json, "groups", "gid", rule.Groups);
        WriteStrings(json, "units", rule.Units);
        WriteStrings(json, "cgroups", rule.Cgroups);
        json.WriteString("path", rule.IsKernelScoped ? "kernel" : "broker");
        json.WriteStartArray("exe");
        foreach (var path in rule.Executables)
        {
            json.WriteStartObject();
            json.WriteString("path", path.Written);
            json.WriteString("resolved", path.Resolved);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("ports");
        foreach (var range in rule.Ports)
        {
            json.WriteStartObject();
            json.WriteString("protocol", Endpoint.ProtocolName(range.Protocol));
            json.WriteNumber("first", range.First);
            json.WriteNumber("last", range.Last);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("addresses");
        foreach (var address in rule.Addresses)
        {
            json.WriteStringValue(address.Text);
        }

        json.WriteEndArray();
        json.WriteBoolean("reuseport", rule.ReusePort);
        json.WriteBoolean("any_network_namespace", rule.AnyNetworkNamespace);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string property, IEnumerable<string> values)
    {
        json.WriteStartArray(property);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteAccounts(Utf8JsonWriter json, string property, string idProperty, IEnumerable<AccountId> accounts)
    {
        json.WriteStartArray(property);
        foreach (var account in accounts)
        {
            json.WriteStartObject();
            json.WriteNumber(idProperty, account.Id);
            json.WriteString("name", account.Name);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteErrors(Utf8JsonWriter json, string property, IReadOnlyList<ConfigError> errors)
    {
        json.WriteStartArray(property);
        foreach (var error in errors)
        {
            json.WriteStartObject();
            json.WriteString("file", error.File);
            json.WriteNumber("line", error.Line);
            if (error.Column is { } column)
            {
                json.WriteNumber("column", column);
            }
            else
            {
                json.WriteNull("column");
            }

            json.WriteString("field", error.Field);
            json.WriteString("message", error.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
