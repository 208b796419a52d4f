using System.Collections.Immutable;

namespace Privport.Kernel;

/// <summary>
/// What one <c>privport wrap --kernel</c> caller is granted in the kernel: <see cref="Entries"/> (rule numbers index
/// <see cref="RuleIds"/>), and the rules, or parts of rules, the kernel cannot enforce for it, each with the reason.
/// </summary>
internal sealed record KernelPeerGrants(ImmutableArray<GrantEntry> Entries, ImmutableArray<string> RuleIds, ImmutableArray<LeftOutRule> LeftOut);

/// <summary>A rule (or part of one) an enrolment does not get, and why, so the caller can be told.</summary>
internal readonly record struct LeftOutRule(string RuleId, string Reason)
{
    public override string ToString() => $"rule {RuleId}: {Reason}";
}
