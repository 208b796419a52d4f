namespace Privport.Policy;

/// <summary>
/// The policy's answer: allowed by <see cref="RuleId"/>, or denied with a reason a user can act on. A denial names
/// the rule that came nearest to allowing it, if any, in <see cref="NearestRuleId"/> (for status, not for the audit).
/// </summary>
internal sealed record Decision(bool Allowed, string? RuleId, string Reason, string? NearestRuleId = null)
{
    /// <summary>
    /// Allowed only as an IPv6-only bind of <c>::</c>: the dual-stack form, which also takes 0.0.0.0, is not. The
    /// broker must then make sure the bind it performs is IPv6-only, not merely that the socket said so beforehand.
    /// </summary>
    public bool RequiresIPv6Only { get; init; }

    public static Decision Allow(string ruleId) => new(true, ruleId, $"granted by {ruleId}");

    /// <summary>Allowed with a reason of its own, e.g. when two rules together grant a dual-stack bind.</summary>
    public static Decision Allow(string ruleId, string reason) => new(true, ruleId, reason);

    public static Decision Deny(string reason, string? nearestRuleId = null) => new(false, null, reason, nearestRuleId);
}
