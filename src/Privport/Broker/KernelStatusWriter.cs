using System.Text.Json;
using Privport.Kernel;

namespace Privport.Broker;

/// <summary>
/// The <c>kernel</c> object of the STATUS_DETAIL document: whether the policy's kernel grants are in force (and why
/// not), each pinned scope as <c>privport kernel status --json</c> shows it (<see cref="KernelScopeJson"/>) with the
/// rules it carries, the enrolments, and the events the ring dropped. Enrolments of other uids go only to root, as
/// denials do.
/// </summary>
internal static class KernelStatusWriter
{
    /// <summary>Scopes and enrolments listed at most, so the document stays within its bound.</summary>
    public const int MaxListed = 64;

    public static void Write(Utf8JsonWriter json, KernelGrants grants, KernelEnrolments? enrolments, BrokerStatistics statistics, uint callerUid)
    {
        var plan = grants.Plan;
        json.WriteStartObject("kernel");
        KernelScopeJson.WritePinRoot(json, grants.PinRoot);
        json.WriteBoolean("in_force", grants.Problem is null);
        if (grants.Problem is { } problem)
        {
            json.WriteString("problem", problem);
        }

        json.WriteNumber("planned_scopes", plan.Scopes.Count);
        json.WriteNumber("granted", statistics.KernelGranted);
        json.WriteNumber("events_dropped", statistics.KernelEventsDropped);
        KernelScopeJson.WriteScopes(json, grants.ReadState() ?? [], plan, withEnrolments: false, MaxListed);
        json.WriteNumber("enrolment_count", enrolments?.Count ?? 0);
        json.WriteStartArray("enrolments");
        int listed = 0;
        foreach (var enrolled in enrolments?.Snapshot() ?? [])
        {
            if ((callerUid != 0 && enrolled.Uid != callerUid) || listed++ >= MaxListed)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("cgroup", enrolled.Cgroup);
            json.WriteNumber("uid", enrolled.Uid);
            json.WriteNumber("pid", enrolled.Pid);
            json.WriteNumber("entries", enrolled.EntryCount);
            json.WriteStartArray("rules");
            foreach (string rule in enrolled.RuleIds)
            {
                json.WriteStringValue(rule);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
