using System.Text.Json;

namespace Privport.Kernel;

/// <summary>
/// The pinned kernel grants as JSON, in one shape for <c>privport kernel status --json</c> and for the <c>kernel</c>
/// object of the broker's STATUS_DETAIL document, so a script reads either the same way: <c>pin_root</c>, and
/// <c>scopes</c>, each with its kind, name, number, entry count, IPv4 bind program's pin, the cgroups it is attached
/// to and, where the policy is at hand, the rules behind its entries.
/// </summary>
internal static class KernelScopeJson
{
    public static void WritePinRoot(Utf8JsonWriter json, string pinRoot)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteString("pin_root", pinRoot);
    }

    /// <param name="json">The writer, inside an object.</param>
    /// <param name="states">The scopes as the kernel holds them.</param>
    /// <param name="plan">
    /// The policy's plan, which names the rules behind each scope's entries; null leaves <c>rules</c> out, as
    /// <c>kernel status</c> reads the pins and not the policy.
    /// </param>
    /// <param name="withEnrolments">
    /// Whether the scopes of enrolments are listed: the broker lists those apart, and to a non-root caller only its own.
    /// </param>
    /// <param name="maxListed">Scopes listed at most; the rest are left out.</param>
    public static void WriteScopes(Utf8JsonWriter json, IEnumerable<KernelScopeState> states, KernelGrantPlan? plan, bool withEnrolments, int maxListed)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(states);
        json.WriteStartArray("scopes");
        int listed = 0;
        foreach (var state in states)
        {
            if ((!withEnrolments && state.Scope.Kind == GrantScopeKind.Enrolment) || listed++ >= maxListed)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("kind", KindName(state.Scope.Kind));
            json.WriteString("name", state.Scope.Name);
            json.WriteNumber("number", state.ScopeNumber);
            json.WriteNumber("entries", state.EntryCount);
            json.WriteString("program", state.Bind4Pin);
            json.WriteStartArray("attached_to");
            foreach (string cgroup in state.AttachedCgroups)
            {
                json.WriteStringValue(cgroup);
            }

            json.WriteEndArray();
            if (plan is not null)
            {
                json.WriteStartArray("rules");
                foreach (string rule in RulesOf(plan, state.Scope))
                {
                    json.WriteStringValue(rule);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static string KindName(GrantScopeKind kind) => kind switch
    {
        GrantScopeKind.Unit => "unit",
        GrantScopeKind.Cgroup => "cgroup",
        GrantScopeKind.Enrolment => "enrolment",
        _ => "unknown",
    };

    private static SortedSet<string> RulesOf(KernelGrantPlan plan, GrantScope scope)
    {
        var rules = new SortedSet<string>(StringComparer.Ordinal);
        if (plan.Scopes.TryGetValue(scope, out var entries))
        {
            foreach (var entry in entries)
            {
                if (entry.RuleNumber < plan.RuleIds.Length)
                {
                    rules.Add(plan.RuleIds[(int)entry.RuleNumber]);
                }
            }
        }

        return rules;
    }
}
