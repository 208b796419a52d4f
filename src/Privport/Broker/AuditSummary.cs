namespace Privport.Broker;

/// <summary>
/// The decisions of one uid that <see cref="AuditThrottle"/> counted instead of writing, in the interval from
/// <see cref="Since"/>: how many, by outcome, and the reason of the last one.
/// </summary>
internal sealed record AuditSummary(
    DateTimeOffset Time, uint Uid, DateTimeOffset Since, int Written, long Suppressed, long Denied, long Allowed, long Errors, string LastReason);
