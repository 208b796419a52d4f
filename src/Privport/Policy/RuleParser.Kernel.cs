using System.Collections.Immutable;
using Tomlyn.Syntax;

namespace Privport.Policy;

/// <summary>
/// units and cgroups: a rule naming them is granted only in the kernel, so every field must be one the kernel can
/// enforce at bind time.
/// </summary>
internal sealed partial class RuleParser
{
    private ImmutableArray<string> ReadUnits(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var (text, at) in Strings(entry, "units", "[\"caddy.service\"]",
            "is empty; list systemd units, e.g. units = [\"caddy.service\"], or remove the key"))
        {
            if (UnitName.Problem(text) is { } problem)
            {
                _diagnostics.Error(_file, at, "units", problem);
            }
            else
            {
                builder.Add(text);
            }
        }

        return builder.ToImmutable();
    }

    private ImmutableArray<string> ReadCgroups(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var (text, at) in Strings(entry, "cgroups", "[\"/system.slice/caddy.service\"]",
            "is empty; list cgroup paths, e.g. cgroups = [\"/system.slice/caddy.service\"], or remove the key"))
        {
            if (CgroupPath.Problem(text) is { } problem)
            {
                _diagnostics.Error(_file, at, "cgroups", problem);
            }
            else
            {
                builder.Add(text);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>What the BPF program cannot check is refused here, never silently granted wider or narrower.</summary>
    private void CheckKernelScoped(
        Dictionary<string, int> keyLines,
        ImmutableArray<AccountId> users,
        ImmutableArray<AccountId> groups,
        ImmutableArray<ExecutablePath> executables,
        ImmutableArray<AddressPattern> addresses,
        bool reusePort,
        bool anyNetworkNamespace)
    {
        string scopeKey = keyLines.ContainsKey("units") ? "units" : "cgroups";
        if (!executables.IsEmpty)
        {
            _diagnostics.Error(_file, keyLines["exe"], null, "exe",
                $"cannot be combined with {scopeKey}: the kernel cannot check which program binds, and the {(scopeKey == "units" ? "unit" : "cgroup")} already "
                + "names what runs there; remove exe, or drop units/cgroups and start the program with privport wrap");
        }

        if (reusePort)
        {
            _diagnostics.Error(_file, keyLines["reuseport"], null, "reuseport",
                $"is an option of the broker's OPEN and means nothing with {scopeKey} (the program binds its own socket in the kernel path); remove it, or put it in a rule without {scopeKey}");
        }

        if (anyNetworkNamespace)
        {
            _diagnostics.Error(_file, keyLines["any_network_namespace"], null, "any_network_namespace",
                $"is an option of the broker's OPEN and means nothing with {scopeKey} (the kernel grants in whatever network namespace the process binds); remove it, or put it in a rule without {scopeKey}");
        }

        if (!users.IsEmpty && !groups.IsEmpty)
        {
            _diagnostics.Error(_file, keyLines["groups"], null, "groups",
                $"cannot be combined with users in a rule with {scopeKey}: the kernel matches one uid or one gid, not both at once; "
                + "write two rules, one with users and one with groups, or keep only one of them");
        }

        foreach (var address in addresses)
        {
            if (address.ScopeId != 0)
            {
                _diagnostics.Error(_file, keyLines["addresses"], null, "addresses",
                    $"'{address.Text}': the kernel path cannot tell which interface a link-local bind names; write the address without %INTERFACE, or drop {scopeKey} and use the broker path");
            }
        }

    }
}
