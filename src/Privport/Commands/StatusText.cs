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

        if (root.TryGetProperty("kernel", out var kernel))
        {
            AppendKernel(text, kernel);
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

    private static void AppendKernel(StringBuilder text, JsonElement kernel)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (kernel.TryGetProperty("problem", out var problem))
        {
            text.Append(invariant, $"kernel grants: NOT in force for {kernel.GetProperty("planned_scopes").GetInt32()} units or cgroups the policy names: {problem.GetString()}\n");
        }

        var scopes = kernel.GetProperty("scopes");
        var enrolments = kernel.GetProperty("enrolments");
        if (scopes.GetArrayLength() == 0 && enrolments.GetArrayLength() == 0 && problem.ValueKind == JsonValueKind.Undefined)
        {
            return;
        }

        text.Append(invariant, $"kernel grants under {kernel.GetProperty("pin_root").GetString()}: {kernel.GetProperty("granted").GetUInt64()} binds granted, {kernel.GetProperty("events_dropped").GetUInt64()} audit events dropped\n");
        foreach (var scope in scopes.EnumerateArray())
        {
            var attached = scope.GetProperty("attached_to").EnumerateArray().Select(cgroup => cgroup.GetString()).ToList();
            var rules = scope.GetProperty("rules").EnumerateArray().Select(rule => rule.GetString()).ToList();
            text.Append(invariant,
                $"  {scope.GetProperty("kind").GetString()} {scope.GetProperty("name").GetString()}: {scope.GetProperty("entries").GetInt32()} entries, rules {(rules.Count == 0 ? "none" : string.Join(", ", rules))}; " +
                $"attached to {(attached.Count == 0 ? "no cgroup yet (a unit's starts with the unit)" : string.Join(", ", attached))}\n");
        }

        foreach (var enrolled in enrolments.EnumerateArray())
        {
            var rules = enrolled.GetProperty("rules").EnumerateArray().Select(rule => rule.GetString()).ToList();
            text.Append(invariant,
                $"  enrolment {enrolled.GetProperty("cgroup").GetString()}: uid {enrolled.GetProperty("uid").GetUInt32()} pid {enrolled.GetProperty("pid").GetInt32()}, {enrolled.GetProperty("entries").GetInt32()} entries, rules {string.Join(", ", rules)}\n");
        }
    }
}
