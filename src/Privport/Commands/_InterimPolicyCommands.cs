// INTERIM: replaced by the policy branch.
using Privport.Policy;

namespace Privport.Commands;

internal sealed class PolicyCheckCommand(IAccountDirectory accounts)
{
    public IAccountDirectory Accounts { get; } = accounts;

    public int Run(string? path, bool json, TextWriter stdout, TextWriter stderr) => Accounts is null || json ? 1 : 0;
}

internal sealed class PolicyTestCommand(IAccountDirectory accounts)
{
    public IAccountDirectory Accounts { get; } = accounts;

    public int Run(string? policyPath, string user, string? exe, IReadOnlyList<string> extraGroups, bool ipv6Only, string endpoint, TextWriter stdout, TextWriter stderr) => Accounts is null ? 1 : 0;
}
