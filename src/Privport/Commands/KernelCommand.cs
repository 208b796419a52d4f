using System.Globalization;
using System.Text.Json;
using Privport.Broker;
using Privport.Interop;
using Privport.Kernel;
using Privport.Policy;
using Privport.Systemd;

namespace Privport.Commands;

/// <summary>
/// <c>privport kernel</c>: the pinned kernel grants without a running broker, through the same store the broker uses.
/// <c>generate</c> is the systemd generator's body: it never fails the boot, it says what it could not do.
/// </summary>
internal sealed class KernelCommand
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public KernelCommand(TextWriter stdout, TextWriter stderr)
    {
        _out = stdout;
        _error = stderr;
    }

    public int Sync(string policyPath, string bpfRoot)
    {
        if (Load(policyPath, "sync") is not { } policy)
        {
            return ExitCodes.Config;
        }

        var plan = KernelGrantPlanner.ForHost(new SystemAccountDirectory()).Plan(policy);
        string pinRoot = KernelGrants.PinRootUnder(bpfRoot);
        try
        {
            using var store = KernelGrantStore.Open(pinRoot);
            store.Sync(plan);
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException)
        {
            _error.WriteLine($"privport kernel sync: {e.Message}");
            return ExitCodes.Unavailable;
        }

        _out.WriteLine($"kernel grants for {plan.Scopes.Count} units or cgroups in force under {pinRoot}");
        foreach (string message in KernelGrantDropIn.AwaitingDaemonReload(plan, pinRoot))
        {
            _error.WriteLine($"warning: {message}");
        }

        return ExitCodes.Ok;
    }

    public int Revoke(string bpfRoot, bool remove)
    {
        string pinRoot = KernelGrants.PinRootUnder(bpfRoot);
        if (!Directory.Exists(pinRoot))
        {
            // Nothing was ever pinned (or bpffs is not mounted): nothing is granted, which is what was asked.
            _out.WriteLine($"no kernel grants under {pinRoot}");
            return ExitCodes.Ok;
        }

        try
        {
            using var store = KernelGrantStore.Open(pinRoot);
            if (remove)
            {
                store.RevokeAll();
                _out.WriteLine($"kernel grants under {pinRoot} revoked, detached and unpinned");
            }
            else
            {
                store.Sync(KernelGrants.Emptied(store.ReadState()));
                _out.WriteLine($"kernel grants under {pinRoot} revoked (maps emptied; the pins stay for the broker's next start)");
            }
        }
        catch (Exception e) when (e is KernelGrantException or SystemCallException)
        {
            _error.WriteLine($"privport kernel revoke: {e.Message}");
            return ExitCodes.Unavailable;
        }

        return ExitCodes.Ok;
    }

    public int Status(string bpfRoot, bool json)
    {
        string pinRoot = KernelGrants.PinRootUnder(bpfRoot);
        IReadOnlyList<KernelScopeState> state = [];
        if (Directory.Exists(pinRoot))
        {
            try
            {
                using var store = KernelGrantStore.Open(pinRoot);
                state = store.ReadState();
            }
            catch (Exception e) when (e is KernelGrantException or SystemCallException)
            {
                _error.WriteLine($"privport kernel status: {e.Message}");
                return ExitCodes.Unavailable;
            }
        }

        if (json)
        {
            using var writer = new Utf8JsonWriter(StandardStreams.Output(), new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            KernelScopeJson.WritePinRoot(writer, pinRoot);
            KernelScopeJson.WriteScopes(writer, state, plan: null, withEnrolments: true, maxListed: int.MaxValue);
            writer.WriteEndObject();
            writer.Flush();
            Console.Out.WriteLine();
            return ExitCodes.Ok;
        }

        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{state.Count} kernel grant scopes pinned under {pinRoot}"));
        foreach (var scope in state)
        {
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {scope.Scope}: {scope.EntryCount} entries; attached to {(scope.AttachedCgroups.IsEmpty ? "no cgroup" : string.Join(", ", scope.AttachedCgroups))}"));
        }

        return ExitCodes.Ok;
    }

    public int Generate(string normalDirectory, string policyPath, string bpfRoot)
    {
        // systemd runs generators before most of the system is up: anything missing means no drop-ins (the units run
        // without their grant, so they fail closed), never a failed boot.
        if (Load(policyPath, "generate") is not { } policy)
        {
            return ExitCodes.Ok;
        }

        try
        {
            string? brokerDropIn = Path.GetDirectoryName(Environment.ProcessPath) is { } binary ? Path.GetFullPath(Path.Combine(binary, KernelGrantDropIn.PackagedBrokerDropIn)) : null;
            var units = KernelGrantGenerator.Write(normalDirectory, KernelGrantPlanner.ForHost(new SystemAccountDirectory()).Plan(policy), KernelGrants.PinRootUnder(bpfRoot), policyPath, brokerDropIn);
            if (units.Count > 0)
            {
                _error.WriteLine($"privport kernel generate: kernel-grant drop-ins for {string.Join(", ", units)}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            _error.WriteLine($"privport kernel generate: cannot write the drop-ins into {normalDirectory}: {e.Message}");
        }

        return ExitCodes.Ok;
    }

    private PortPolicy? Load(string policyPath, string verb)
    {
        try
        {
            return PolicyLoader.Load(policyPath, new CachingAccountDirectory(new SystemAccountDirectory(), TimeProvider.System));
        }
        catch (PolicyLoadException e)
        {
            _error.WriteLine($"privport kernel {verb}: the policy at {policyPath} cannot be loaded:\n{PolicyStore.Describe(e.Errors)}");
            return null;
        }
    }
}
