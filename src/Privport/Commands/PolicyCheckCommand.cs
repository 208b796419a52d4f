using Privport.Policy;
using Privport.Config;

namespace Privport.Commands;

/// <summary><c>privport policy check [PATH] [--json]</c>: loads the policy as the broker would and shows the effective rules.</summary>
internal sealed class PolicyCheckCommand
{
    private readonly IAccountDirectory _accounts;

    public PolicyCheckCommand(IAccountDirectory accounts)
    {
        _accounts = accounts;
    }

    public int Run(string? path, bool json, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        path ??= PolicyLoader.DefaultPath;
        PortPolicy policy;
        try
        {
            policy = PolicyLoader.Load(path, _accounts);
        }
        catch (PolicyLoadException e)
        {
            WriteErrors(e.Errors, stderr);
            if (json)
            {
                PolicyJsonWriter.WriteErrors(e.Errors, stdout);
            }

            return ExitCodes.Config;
        }

        foreach (var warning in policy.Warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }

        if (policy.Rules.IsEmpty)
        {
            stderr.WriteLine($"warning: {path}: the policy has no [[allow]] rules; every request will be denied");
        }

        var kernelPlan = Policy.KernelGrantPlanner.ForHost(_accounts).Plan(policy);
        foreach (string message in Systemd.KernelGrantDropIn.AwaitingDaemonReload(kernelPlan, Broker.KernelGrants.PinRootUnder(Broker.KernelGrants.DefaultBpfRoot)))
        {
            stderr.WriteLine($"warning: {message}");
        }

        if (json)
        {
            PolicyJsonWriter.Write(policy, stdout);
        }
        else
        {
            PolicyTextWriter.Write(policy, stdout);
        }

        return ExitCodes.Ok;
    }

    /// <summary>One <c>FILE:LINE: FIELD: MESSAGE</c> per line, as <c>policy test</c> prints them too.</summary>
    public static void WriteErrors(IReadOnlyList<ConfigError> errors, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(stderr);
        foreach (var error in errors)
        {
            stderr.WriteLine(error.ToString());
        }
    }
}
