using System.Globalization;
using System.Text;
using System.Text.Json;
using Privport.Client;

namespace Privport.Commands;

/// <summary>The human-readable <c>privport status</c>.</summary>
internal static class StatusText
{
    public static string Format(string socketPath, BrokerCounters counters, JsonElement? detail)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        if (detail is not { } root)
        {
            text.Append(invariant,
                $"broker {socketPath}: up {counters.UptimeSeconds} s, {counters.PolicyRules} rules; " +
                $"{counters.Requests} requests: {counters.Granted} granted, {counters.Denied} denied, {counters.Errors} errors\n");
            return text.ToString();
        }

        var policy = root.GetProperty("policy");
        text.Append(invariant, $"broker {socketPath}: privport {root.GetProperty("version").GetString()}, pid {root.GetProperty("pid").GetInt32()}, up {counters.UptimeSeconds} s");
        text.Append(root.GetProperty("socket_activated").GetBoolean() ? " (socket-activated)\n" : "\n");
        text.Append(invariant, $"policy {policy.GetProperty("path").GetString()}: {policy.GetProperty("rules").GetInt32()} rules, loaded {policy.GetProperty("loaded_at").GetString()}\n");
        if (policy.TryGetProperty("files", out var files))
        {
            foreach (var file in files.EnumerateArray())
            {
                text.Append(invariant, $"  {file.GetString()}\n");
            }
        }

        if (policy.TryGetProperty("last_reload_failure", out var failure))
        {
            text.Append(invariant, $"last reload FAILED at {failure.GetProperty("at").GetString()} (previous policy kept):\n{failure.GetProperty("errors").GetString()}\n");
        }

        text.Append(invariant, $"requests {counters.Requests}: {counters.Granted} granted, {counters.Denied} denied, {counters.Errors} errors\n");
        if (root.TryGetProperty("rules", out var rules) && rules.GetArrayLength() > 0)
        {
            text.Append("per rule (denials count against the nearest rule):\n");
            foreach (var rule in rules.EnumerateArray())
            {
                text.Append(invariant, $"  {rule.GetProperty("name").GetString(),-24} {rule.GetProperty("granted").GetInt64(),8} granted {rule.GetProperty("denied").GetInt64(),8} denied\n");
            }
        }

        var denials = root.GetProperty("recent_denials");
        if (denials.GetArrayLength() > 0)
        {
            text.Append(root.TryGetProperty("recent_denials_of", out var of) && of.GetString() != "all"
                ? $"last denials of {of.GetString()} (root sees every uid's), newest first:\n"
                : "last denials, newest first:\n");
            foreach (var denial in denials.EnumerateArray())
            {
                text.Append(invariant,
                    $"  {denial.GetProperty("time").GetString()} {denial.GetProperty("op").GetString()} {denial.GetProperty("endpoint").GetString()} " +
                    $"uid {denial.GetProperty("uid").GetUInt32()} pid {denial.GetProperty("pid").GetInt32()}: {denial.GetProperty("reason").GetString()}\n");
            }
        }

        if (root.GetProperty("truncated").GetBoolean())
        {
            text.Append("(the broker left some lists out to keep the status within its size limit)\n");
        }

        return text.ToString();
    }
}
