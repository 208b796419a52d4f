using System.Globalization;
using Privport.Client;
using Privport.Kernel;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// What only the whole policy shows about kernel-scoped rules: a <c>::</c> grant whose 0.0.0.0 half no rule for the
/// same scope and subject provides. The broker refuses such a dual-stack bind, but the BPF program cannot tell it from
/// an IPv6-only one, so the policy is refused instead of granting more in the kernel than through the broker.
/// </summary>
internal static class KernelRuleCheck
{
    public static void Check(PortPolicy policy, IAccountDirectory accounts, ConfigDiagnostics diagnostics)
    {
        foreach (var rule in policy.Rules)
        {
            if (KernelGrantPlanner.FirstUnpairedIPv6Wildcard(policy, rule, accounts) is { } gap)
            {
                string port = string.Create(CultureInfo.InvariantCulture, $"{Endpoint.ProtocolName(gap.Protocol)}/{gap.Port}");
                diagnostics.Error(rule.File, rule.Line, null, "addresses",
                    $"\"::\" grants {port} to {SubjectText(gap.Subject)} in {rule.KernelScopeText} without \"0.0.0.0\": the kernel cannot tell an IPv6-only bind of [::] "
                    + "from a dual-stack one; add \"0.0.0.0\" (here or in a rule for the same units/cgroups and users) or use the broker path");
            }
        }
    }

    private static string SubjectText(GrantSubject subject) => subject.Kind switch
    {
        GrantSubjectKind.User => string.Create(CultureInfo.InvariantCulture, $"uid {subject.Id}"),
        GrantSubjectKind.Group => string.Create(CultureInfo.InvariantCulture, $"gid {subject.Id}"),
        _ => "any user",
    };
}
