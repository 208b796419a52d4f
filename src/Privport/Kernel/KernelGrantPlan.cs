using System.Collections.Immutable;

namespace Privport.Kernel;

/// <summary>
/// What the policy grants in the kernel: for each scope, the entries its program's map must hold. Rule numbers in
/// the entries index <see cref="RuleIds"/>.
/// </summary>
internal sealed record KernelGrantPlan(
    ImmutableDictionary<GrantScope, ImmutableArray<GrantEntry>> Scopes,
    ImmutableArray<string> RuleIds)
{
    public static KernelGrantPlan Empty { get; } = new(ImmutableDictionary<GrantScope, ImmutableArray<GrantEntry>>.Empty, []);
}
