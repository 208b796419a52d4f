using System.CommandLine;
using Privport.Broker;
using Privport.Policy;

namespace Privport.Commands;

/// <summary><c>privport kernel sync|revoke|status|generate</c>: the pinned kernel grants, by hand and for systemd.</summary>
internal static partial class CommandLine
{
    /// <summary>--bpf-root DIR, shared by serve and the kernel verbs.</summary>
    private static Option<string> BpfRootOption() => new("--bpf-root")
    {
        Description = $"Where bpffs is mounted (default {KernelGrants.DefaultBpfRoot}); the pinned kernel grants live in DIR/privport",
        HelpName = "DIR",
        DefaultValueFactory = _ => KernelGrants.DefaultBpfRoot,
    };

    private static Option<string> KernelPolicyOption() => new("--policy")
    {
        Description = $"Policy file or directory (default {PolicyLoader.DefaultPath})",
        HelpName = "PATH",
        DefaultValueFactory = _ => PolicyLoader.DefaultPath,
    };

    private static Command KernelVerbs()
    {
        var syncPolicy = KernelPolicyOption();
        var syncRoot = BpfRootOption();
        var sync = new Command("sync", "Bring the pinned kernel grants in step with the policy, as the broker does at start and on reload") { syncPolicy, syncRoot };
        sync.SetAction(result => new KernelCommand(Console.Out, Console.Error).Sync(result.GetValue(syncPolicy)!, result.GetValue(syncRoot)!));

        var revokeRoot = BpfRootOption();
        var remove = new Option<bool>("--remove") { Description = "Also detach and unpin every program (running units lose them until restarted); default: only empty the maps" };
        var revoke = new Command("revoke", "Withdraw every kernel grant (fail closed): what privport.service runs when the broker stops") { revokeRoot, remove };
        revoke.SetAction(result => new KernelCommand(Console.Out, Console.Error).Revoke(result.GetValue(revokeRoot)!, result.GetValue(remove)));

        var statusRoot = BpfRootOption();
        var json = JsonOption();
        var status = new Command("status", "Show the pinned kernel grants: scope, entries, where attached") { statusRoot, json };
        status.SetAction(result => new KernelCommand(Console.Out, Console.Error).Status(result.GetValue(statusRoot)!, result.GetValue(json)));

        var directories = new Argument<string[]>("directories")
        {
            Description = "NORMAL_DIR [EARLY_DIR LATE_DIR], as systemd passes them to generators",
            HelpName = "NORMAL_DIR",
            Arity = new ArgumentArity(1, 3),
        };
        var generatePolicy = KernelPolicyOption();
        var generateRoot = BpfRootOption();
        var generate = new Command("generate", "systemd generator: write a drop-in for every unit the policy grants binds in the kernel") { directories, generatePolicy, generateRoot };
        generate.SetAction(result => new KernelCommand(Console.Out, Console.Error).Generate(result.GetValue(directories)![0], result.GetValue(generatePolicy)!, result.GetValue(generateRoot)!));

        return new Command("kernel", "Kernel grants (cgroup BPF): keep the pinned programs in step with the policy, withdraw them, show them")
        {
            sync, revoke, status, generate,
        };
    }
}
