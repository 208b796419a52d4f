using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Privport.Protocol;

namespace Privport.Broker;

/// <summary>
/// The JSON document a STATUS_DETAIL reply is followed by (docs/protocol.md): version, uptime, totals, the policy's
/// files and load time, counters per rule, the last denials. Never longer than
/// <see cref="WireFormat.StatusDetailMaxSize"/>: when the whole would be, the per-rule list and then the file list
/// are left out and <c>truncated</c> says so, and then the oldest denials (<c>recent_denials_left_out</c> counts them). Anyone may connect, so denials of other uids (which name their
/// executables and ports) go only to root; any other caller sees its own.
/// </summary>
internal static class StatusDetailWriter
{
    // Relaxed escaping: the document is read by programs and terminals, never embedded in HTML.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string Version =
        typeof(StatusDetailWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static byte[] Write(BrokerStatistics statistics, PolicyStore policy, bool socketActivated, uint callerUid, KernelGrants? kernel = null, KernelEnrolments? enrolments = null)
    {
        var denials = Denials(statistics, callerUid);
        byte[] json = [];
        for (int detail = 2; detail >= 0; detail--)
        {
            json = Write(statistics, policy, socketActivated, callerUid, detail, denials, denials.Count, kernel, enrolments);
            if (json.Length <= WireFormat.StatusDetailMaxSize)
            {
                return json;
            }
        }

        // Still too long without the lists: the oldest denials go (the list is newest first) until it fits.
        int kept = denials.Count;
        while (json.Length > WireFormat.StatusDetailMaxSize && kept > 0)
        {
            long excess = json.Length - WireFormat.StatusDetailMaxSize;
            while (excess > 0 && kept > 0)
            {
                kept--;
                excess -= denials[kept].Length + 1;
            }

            json = Write(statistics, policy, socketActivated, callerUid, 0, denials, kept, kernel, enrolments);
        }

        return json;
    }

    /// <summary>The denials this caller may see, newest first, each already a JSON object.</summary>
    private static List<byte[]> Denials(BrokerStatistics statistics, uint callerUid)
    {
        var denials = new List<byte[]>(BrokerStatistics.RecentDenialCapacity);
        var buffer = new ArrayBufferWriter<byte>(1024);
        foreach (var denial in statistics.RecentDenials())
        {
            if (callerUid != 0 && denial.Uid != callerUid)
            {
                continue;
            }

            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer, Options))
            {
                json.WriteStartObject();
                json.WriteString("time", Timestamp(denial.Time));
                json.WriteString("op", denial.Op);
                json.WriteNumber("uid", denial.Uid);
                json.WriteNumber("pid", denial.Pid);
                json.WriteString("exe", denial.Exe is null ? null : Cut(denial.Exe, 256));
                json.WriteString("endpoint", denial.Endpoint);
                json.WriteString("nearest_rule", denial.NearestRule);
                json.WriteString("reason", Cut(denial.Reason, 512));
                json.WriteEndObject();
            }

            denials.Add(buffer.WrittenSpan.ToArray());
        }

        return denials;
    }

    // detail 2: everything; 1: without the rule list; 0: without rule and file lists. Denials: the first kept.
    private static byte[] Write(BrokerStatistics statistics, PolicyStore policyStore, bool socketActivated, uint callerUid, int detail, List<byte[]> denials, int kept, KernelGrants? kernel, KernelEnrolments? enrolments)
    {
        var policy = policyStore.Current;
        var counters = statistics.Snapshot(policy.Rules.Length);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("version", Version);
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteNumber("uptime_seconds", counters.UptimeSeconds);
            json.WriteBoolean("socket_activated", socketActivated);
            json.WriteNumber("requests", counters.Requests);
            json.WriteNumber("granted", counters.Granted);
            json.WriteNumber("denied", counters.Denied);
            json.WriteNumber("errors", counters.Errors);
            json.WriteBoolean("truncated", detail < 2 || kept < denials.Count);

            json.WriteStartObject("policy");
            json.WriteString("path", policyStore.Path);
            json.WriteString("loaded_at", Timestamp(policyStore.LoadedAt));
            json.WriteNumber("rules", policy.Rules.Length);
            json.WriteNumber("file_count", policy.Files.Length);
            if (detail >= 1)
            {
                json.WriteStartArray("files");
                foreach (string file in policy.Files)
                {
                    json.WriteStringValue(file);
                }

                json.WriteEndArray();
            }

            if (policyStore.LastReloadFailure is { } failure)
            {
                json.WriteStartObject("last_reload_failure");
                json.WriteString("at", Timestamp(failure.At));
                json.WriteString("errors", Cut(failure.Errors, 2048));
                json.WriteEndObject();
            }

            json.WriteEndObject();

            if (detail >= 2)
            {
                json.WriteStartArray("rules");
                foreach (var (name, rule) in statistics.Rules())
                {
                    json.WriteStartObject();
                    json.WriteString("name", name);
                    json.WriteNumber("granted", rule.Granted);
                    json.WriteNumber("denied", rule.Denied);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            if (kernel is not null)
            {
                KernelStatusWriter.Write(json, kernel, enrolments, statistics, callerUid);
            }

            json.WriteString("recent_denials_of", callerUid == 0 ? "all" : $"uid {callerUid}");
            if (kept < denials.Count)
            {
                json.WriteNumber("recent_denials_left_out", denials.Count - kept);
            }

            json.WriteStartArray("recent_denials");
            for (int i = 0; i < kept; i++)
            {
                json.WriteRawValue(denials[i], skipInputValidation: true);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
