using System.Collections.Immutable;
using System.Globalization;
using Tomlyn.Syntax;
using Privport.Config;

namespace Privport.Policy;

/// <summary>Reads one <c>[[allow]]</c> table into a <see cref="PolicyRule"/>, reporting every bad field.</summary>
internal sealed partial class RuleParser
{
    public const string ValidKeys = "name, users, groups, units, cgroups, exe, ports, addresses, reuseport, any_network_namespace";

    private const int MaxNameLength = 64;

    private readonly string _file;
    private readonly IAccountDirectory _accounts;
    private readonly ConfigDiagnostics _diagnostics;
    private readonly Dictionary<string, string> _ruleNames;

    public RuleParser(string file, IAccountDirectory accounts, ConfigDiagnostics diagnostics, Dictionary<string, string> ruleNames)
    {
        _file = file;
        _accounts = accounts;
        _diagnostics = diagnostics;
        _ruleNames = ruleNames;
    }

    /// <summary>The rule, or null when any field is wrong (the errors are in the diagnostics).</summary>
    public PolicyRule? Read(TableArraySyntax table)
    {
        int errorsBefore = _diagnostics.ErrorCount;
        int line = ConfigDiagnostics.Line(table);
        string? name = null;
        bool anyUser = false;
        bool namesAccounts = false;
        bool namesPorts = false;
        ImmutableArray<AccountId> users = [];
        ImmutableArray<AccountId> groups = [];
        ImmutableArray<ExecutablePath> executables = [];
        ImmutableArray<PortRange> ports = [];
        ImmutableArray<AddressPattern> addresses = [];
        bool reusePort = false;
        bool anyNetworkNamespace = false;
        ImmutableArray<string> units = [];
        ImmutableArray<string> cgroups = [];
        bool namesKernelScope = false;
        var keyLines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in table.Items)
        {
            string key = TomlKey.Text(entry.Key);
            if (!keyLines.TryAdd(key, ConfigDiagnostics.Line(entry)))
            {
                _diagnostics.Error(_file, entry, key,
                    string.Create(CultureInfo.InvariantCulture, $"given twice in this rule (first on line {keyLines[key]}); merge both into one list"));
                continue;
            }

            switch (key)
            {
                case "name":
                    name = ReadName(entry);
                    break;
                case "users":
                    namesAccounts = true;
                    users = ReadUsers(entry, out anyUser);
                    break;
                case "groups":
                    namesAccounts = true;
                    groups = ReadGroups(entry);
                    break;
                case "units":
                    namesKernelScope = true;
                    units = ReadUnits(entry);
                    break;
                case "cgroups":
                    namesKernelScope = true;
                    cgroups = ReadCgroups(entry);
                    break;
                case "exe":
                    executables = ReadExecutables(entry);
                    break;
                case "ports":
                    namesPorts = true;
                    ports = ReadPorts(entry);
                    break;
                case "addresses":
                    addresses = ReadAddresses(entry);
                    break;
                case "reuseport":
                    reusePort = ReadFlag(entry, key);
                    break;
                case "any_network_namespace":
                    anyNetworkNamespace = ReadFlag(entry, key);
                    break;
                default:
                    _diagnostics.Error(_file, entry, key, UnknownKey(key));
                    break;
            }
        }

        if (namesKernelScope)
        {
            CheckKernelScoped(keyLines, users, groups, executables, addresses, reusePort, anyNetworkNamespace);
        }
        else if (!namesAccounts)
        {
            _diagnostics.Error(_file, table, "users",
                "the rule names neither users nor groups; add users = [\"NAME\"] or groups = [\"NAME\"] (users = [\"*\"] allows any user), "
                + "or units = [\"NAME.service\"] to grant in the kernel to whatever runs in that unit");
        }

        if (!namesPorts)
        {
            _diagnostics.Error(_file, table, "ports", "missing; every rule lists its ports, e.g. ports = [\"tcp/80\"]");
        }

        if (_diagnostics.ErrorCount != errorsBefore)
        {
            return null;
        }

        string id = name ?? string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(_file)}:{line}");
        return new PolicyRule(id, name, _file, line, anyUser, users, groups, executables, ports, addresses, reusePort, anyNetworkNamespace, units, cgroups);
    }

    private static string UnknownKey(string key)
    {
        string? meant = key switch
        {
            "user" or "uid" or "uids" => "users",
            "group" or "gid" or "gids" => "groups",
            "executable" or "executables" or "exec" or "program" or "path" => "exe",
            "port" => "ports",
            "unit" or "service" or "services" or "systemd_unit" or "systemd_units" => "units",
            "cgroup" or "cgroup_path" or "cgroup_paths" or "slice" => "cgroups",
            "address" or "addr" or "bind" => "addresses",
            "id" => "name",
            "reuse_port" or "so_reuseport" or "reuse-port" => "reuseport",
            "netns" or "network_namespace" or "any_netns" or "network_namespaces" or "any-network-namespace" => "any_network_namespace",
            _ => null,
        };
        return meant is null
            ? $"unknown key in [[allow]]; valid keys are {ValidKeys}"
            : $"unknown key in [[allow]]; did you mean '{meant}'? Valid keys are {ValidKeys}";
    }

    /// <summary>An opt-in: true or false, nothing else (a quoted "true" is a mistake worth reporting).</summary>
    private bool ReadFlag(KeyValueSyntax entry, string key)
    {
        if (entry.Value is BooleanValueSyntax flag)
        {
            return flag.Value;
        }

        _diagnostics.Error(_file, entry.Value ?? (SyntaxNodeBase)entry, key, $"must be true or false (no quotes), e.g. {key} = true");
        return false;
    }

    /// <summary>Names become rule ids in audit lines and deny reasons, so they are short and plain; without ':' they never clash with default ids.</summary>
    private string? ReadName(KeyValueSyntax entry)
    {
        if (entry.Value is not StringValueSyntax { Value: { } name })
        {
            _diagnostics.Error(_file, entry.Value ?? (SyntaxNodeBase)entry, "name", "must be a string, e.g. name = \"web\"");
            return null;
        }

        if (name.Length is 0 or > MaxNameLength || !IsPlainName(name))
        {
            _diagnostics.Error(_file, entry.Value, "name",
                $"'{name}' is not a valid rule name; use 1 to {MaxNameLength} letters, digits, '.', '_' or '-'");
            return null;
        }

        string location = string.Create(CultureInfo.InvariantCulture, $"{_file}:{ConfigDiagnostics.Line(entry)}");
        if (!_ruleNames.TryAdd(name, location))
        {
            _diagnostics.Error(_file, entry.Value, "name", $"rule name '{name}' is already used at {_ruleNames[name]}; give each rule its own name");
            return null;
        }

        return name;
    }

    private static bool IsPlainName(string name)
    {
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
