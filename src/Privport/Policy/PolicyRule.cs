using System.Collections.Immutable;
using System.Net;
using Privport.Client;
using Privport.Interop;

namespace Privport.Policy;

/// <summary>
/// One <c>[[allow]]</c> table. It allows a request only if every field it names matches: users, groups, exe,
/// ports and addresses. Empty <see cref="Users"/> without <see cref="AnyUser"/> means the rule does not name users.
/// Two opt-ins widen what OPEN may ask for, because the broker, not the client, makes those sockets:
/// <see cref="ReusePort"/> and <see cref="AnyNetworkNamespace"/>.
/// </summary>
internal sealed class PolicyRule
{
    public PolicyRule(
        string id,
        string? name,
        string file,
        int line,
        bool anyUser,
        ImmutableArray<AccountId> users,
        ImmutableArray<AccountId> groups,
        ImmutableArray<ExecutablePath> executables,
        ImmutableArray<PortRange> ports,
        ImmutableArray<AddressPattern> addresses,
        bool reusePort = false,
        bool anyNetworkNamespace = false,
        ImmutableArray<string> units = default,
        ImmutableArray<string> cgroups = default)
    {
        units = units.IsDefault ? [] : units;
        cgroups = cgroups.IsDefault ? [] : cgroups;

        // A rule naming neither would allow every user: the loader rejects it, and so does the type. A kernel-scoped
        // rule may: its cgroup is the identity.
        if (!anyUser && users.IsEmpty && groups.IsEmpty && units.IsEmpty && cgroups.IsEmpty)
        {
            throw new ArgumentException($"rule {id} names neither users nor groups", nameof(users));
        }

        Id = id;
        Name = name;
        File = file;
        Line = line;
        AnyUser = anyUser;
        Users = users;
        Groups = groups;
        Executables = executables;
        Ports = ports;
        Addresses = addresses;
        ReusePort = reusePort;
        AnyNetworkNamespace = anyNetworkNamespace;
        Units = units;
        Cgroups = cgroups;
        Location = $"{Path.GetFileName(file)}:{line}";
        Label = name is null ? $"rule {id}" : $"rule {id} ({Location})";
        AllowDecision = Decision.Allow(id);
        IPv6OnlyAllowDecision = AllowDecision with { RequiresIPv6Only = true };
    }

    /// <summary>The rule's name, or <c>FILE-NAME:LINE</c> of its <c>[[allow]]</c> when it has none.</summary>
    public string Id { get; }

    public string? Name { get; }

    public string File { get; }

    /// <summary>The line of <c>[[allow]]</c>, from 1.</summary>
    public int Line { get; }

    /// <summary><c>FILE-NAME:LINE</c>: short enough for a deny reason on the wire.</summary>
    public string Location { get; }

    /// <summary>How deny reasons name the rule: <c>rule web (policy.toml:3)</c>.</summary>
    public string Label { get; }

    public bool AnyUser { get; }

    public ImmutableArray<AccountId> Users { get; }

    public ImmutableArray<AccountId> Groups { get; }

    /// <summary>Empty: any program.</summary>
    public ImmutableArray<ExecutablePath> Executables { get; }

    public ImmutableArray<PortRange> Ports { get; }

    /// <summary>Empty: any address, wildcards included.</summary>
    public ImmutableArray<AddressPattern> Addresses { get; }

    /// <summary>
    /// <c>reuseport = true</c>: OPEN may set SO_REUSEPORT. Every OPEN socket belongs to the broker's uid, so the
    /// kernel's same-uid rule for joining a reuseport group no longer tells users apart; without this key OPEN refuses it.
    /// </summary>
    public bool ReusePort { get; }

    /// <summary>
    /// <c>any_network_namespace = true</c>: OPEN is granted to a peer whose connection comes from another network
    /// namespace than the broker's, handing it a socket of the broker's namespace. Without it OPEN refuses such peers.
    /// </summary>
    public bool AnyNetworkNamespace { get; }

    /// <summary>systemd units whose cgroups the rule grants in, in the kernel (<c>caddy.service</c>).</summary>
    public ImmutableArray<string> Units { get; }

    /// <summary>Paths inside the cgroup v2 hierarchy the rule grants in, in the kernel (<c>/system.slice/caddy.service</c>).</summary>
    public ImmutableArray<string> Cgroups { get; }

    /// <summary>
    /// Names units or cgroups: only the kernel grants it, to processes in those cgroups; the broker never does.
    /// </summary>
    public bool IsKernelScoped => !Units.IsEmpty || !Cgroups.IsEmpty;

    /// <summary>Where a kernel-scoped rule grants, as people read it: <c>unit caddy.service, cgroup /a/b</c>.</summary>
    public string KernelScopeText => string.Join(", ", [.. Units.Select(unit => $"unit {unit}"), .. Cgroups.Select(path => $"cgroup {path}")]);

    /// <summary>Built once, so an allowed request costs no allocation.</summary>
    public Decision AllowDecision { get; }

    /// <summary><see cref="AllowDecision"/> for a <c>::</c> bind allowed only if it is IPv6-only.</summary>
    public Decision IPv6OnlyAllowDecision { get; }

    public bool Allows(PeerIdentity peer, PortProtocol protocol, IPAddress address, ushort port) =>
        CoversPort(protocol, port) && CoversAddress(address) && CoversPeer(peer) && CoversExecutable(peer.ExeFile);

    /// <summary>Whether the rule's opt-ins cover what an OPEN asks beyond the endpoint (nothing, for BIND and QUERY).</summary>
    public bool Permits(OpenTerms terms) =>
        (!terms.ReusePort || ReusePort) && (!terms.OtherNetworkNamespace || AnyNetworkNamespace);

    public bool CoversPort(PortProtocol protocol, ushort port)
    {
        foreach (var range in Ports)
        {
            if (range.Contains(protocol, port))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="address"/> must already be mapped from IPv4-mapped IPv6 to IPv4.</summary>
    public bool CoversAddress(IPAddress address)
    {
        if (Addresses.IsEmpty)
        {
            return true;
        }

        foreach (var pattern in Addresses)
        {
            if (pattern.Matches(address))
            {
                return true;
            }
        }

        return false;
    }

    public bool CoversPeer(PeerIdentity peer) => CoversUser(peer.Uid) && CoversGroups(peer);

    /// <summary>Compares file identities, never names (see <see cref="ExecutablePath"/>); unknown never matches.</summary>
    public bool CoversExecutable(FileIdentity? executable)
    {
        if (Executables.IsEmpty)
        {
            return true;
        }

        if (executable is null)
        {
            return false;
        }

        foreach (var path in Executables)
        {
            if (path.Matches(executable.Value))
            {
                return true;
            }
        }

        return false;
    }

    public bool CoversUser(uint uid)
    {
        if (AnyUser || Users.IsEmpty)
        {
            return true;
        }

        foreach (var user in Users)
        {
            if (user.Id == uid)
            {
                return true;
            }
        }

        return false;
    }

    public bool CoversGroups(PeerIdentity peer)
    {
        if (Groups.IsEmpty)
        {
            return true;
        }

        foreach (var group in Groups)
        {
            if (peer.IsInGroup(group.Id))
            {
                return true;
            }
        }

        return false;
    }
}
