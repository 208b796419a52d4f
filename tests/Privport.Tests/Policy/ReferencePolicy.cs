using System.Net;
using System.Net.Sockets;

namespace Privport.Tests.Policy;

/// <summary>
/// docs/policy.md's matching rules, written as plainly as possible and independently of src/Privport/Policy, as the
/// oracle of <see cref="PortPolicyModelTests"/>. A rule grants when every aspect it names matches; a new rule key
/// is a new field of <see cref="ModelRule"/> and one more entry in <see cref="Aspects"/>.
/// </summary>
internal static class ReferencePolicy
{
    /// <summary>One check per documented key; a key the rule leaves out (null) matches anything.</summary>
    private static readonly Func<ModelRule, ModelRequest, IPAddress, bool>[] Aspects =
    [
        (rule, request, _) => rule.Users is null || rule.Users.Any(user => user.Id is null || user.Id == request.Uid),
        (rule, request, _) => rule.Groups is null || rule.Groups.Any(group => group.Id == request.Gid || request.Groups.Contains(group.Id!.Value)),
        (rule, request, _) => rule.Exe is null || (request.Exe is not null && rule.Exe.Any(path => SameFile(path, request.Exe))),
        (rule, request, _) => rule.Ports.Any(range => range.Protocol == request.Protocol && range.First <= request.Port && request.Port <= range.Last),
        (rule, _, address) => rule.Addresses is null || rule.Addresses.Any(entry => AddressEntryMatches(entry, address)),
    ];

    /// <summary>"An exe rule matches the file the peer executed, under whatever name": compared by the paths' targets.</summary>
    private static bool SameFile(string ruleExe, string peerExe) =>
        string.Equals(new FileInfo(ruleExe).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? ruleExe,
            new FileInfo(peerExe).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? peerExe, StringComparison.Ordinal);

    /// <summary>The id of the rule (or <c>A+B</c> pair, for a dual-stack bind) that grants the request; null: denied.</summary>
    public static string? Decide(IReadOnlyList<ModelRule> rules, ModelRequest request)
    {
        var address = Unmapped(request.Address);
        var first = FirstGranting(rules, request, address);
        if (first is null)
        {
            return null;
        }

        // "[::] without IPV6_V6ONLY also takes 0.0.0.0 on the same port, so both must be allowed."
        if (request.V6Only || !(address.AddressFamily == AddressFamily.InterNetworkV6 && IsAllZero(address)))
        {
            return first.Name;
        }

        var ipv4 = FirstGranting(rules, request, IPAddress.Any);
        return ipv4 is null ? null : ReferenceEquals(first, ipv4) ? first.Name : $"{first.Name}+{ipv4.Name}";
    }

    private static ModelRule? FirstGranting(IReadOnlyList<ModelRule> rules, ModelRequest request, IPAddress address) =>
        rules.FirstOrDefault(rule => Aspects.All(aspect => aspect(rule, request, address)));

    /// <summary>
    /// Wildcards match only themselves; a prefix matches the specific addresses inside it (never a wildcard); an
    /// address matches itself, on any interface unless the entry names one. IPv4-mapped forms count as IPv4.
    /// </summary>
    private static bool AddressEntryMatches(string entry, IPAddress address)
    {
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        var network = IPAddress.Parse(slash < 0 ? entry : entry[..slash]);
        int length = slash < 0 ? -1 : int.Parse(entry[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (network.IsIPv4MappedToIPv6)
        {
            network = network.MapToIPv4();
            length = length < 0 ? -1 : length - 96;
        }

        if (network.AddressFamily != address.AddressFamily)
        {
            return false;
        }

        if (IsAllZero(address))
        {
            return length < 0 && IsAllZero(network);
        }

        if (length >= 0)
        {
            return LeadingBitsEqual(network.GetAddressBytes(), address.GetAddressBytes(), length);
        }

        bool scoped = network.AddressFamily == AddressFamily.InterNetworkV6 && network.ScopeId != 0;
        return network.GetAddressBytes().AsSpan().SequenceEqual(address.GetAddressBytes())
            && (!scoped || network.ScopeId == address.ScopeId);
    }

    private static bool LeadingBitsEqual(byte[] a, byte[] b, int bits)
    {
        for (int i = 0; i < bits; i++)
        {
            int mask = 0x80 >> (i % 8);
            if ((a[i / 8] & mask) != (b[i / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool IsAllZero(IPAddress address) => address.GetAddressBytes().All(b => b == 0);
}
