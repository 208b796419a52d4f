using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Privport.HostFacts;

/// <summary>
/// The addresses this network namespace owns: IPv4 from the LOCAL routes of /proc/net/fib_trie (127.0.0.0/8 is one
/// route, not 16 million lines), IPv6 from /proc/net/if_inet6.
/// </summary>
internal sealed class LocalAddresses
{
    private readonly List<(IPAddress Network, int Prefix)> _v4 = [];
    private readonly List<(IPAddress Address, string Interface)> _v6 = [];

    public bool Ipv6Available { get; private set; }

    public static LocalAddresses Read(HostRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var local = new LocalAddresses();
        string? last = null;
        foreach (string raw in (root.ReadText("/proc/net/fib_trie") ?? "").Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("|-- ", StringComparison.Ordinal))
            {
                last = line[4..];
            }
            else if (last is not null && line.StartsWith('/') && line.EndsWith("host LOCAL", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan(1, line.IndexOf(' ', StringComparison.Ordinal) - 1), CultureInfo.InvariantCulture, out int prefix)
                && IPAddress.TryParse(last, out var network))
            {
                local._v4.Add((network, prefix));
            }
        }

        if (root.ReadText("/proc/net/if_inet6") is { } inet6)
        {
            local.Ipv6Available = true;
            foreach (string line in inet6.Split('\n'))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 6 && fields[0].Length == 32)
                {
                    byte[] bytes = Convert.FromHexString(fields[0]);
                    local._v6.Add((new IPAddress(bytes), fields[5]));
                }
            }
        }

        return local;
    }

    public IEnumerable<string> Describe() =>
        _v4.Select(a => a.Prefix == 32 ? a.Network.ToString() : $"{a.Network}/{a.Prefix}")
            .Concat(_v6.Select(a => $"{a.Address}%{a.Interface}"));

    /// <summary>True when binding <paramref name="address"/> needs no ip_nonlocal_bind: a wildcard or one of ours.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return address.AddressFamily == AddressFamily.InterNetwork || Ipv6Available;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return _v4.Any(a => InPrefix(address, a.Network, a.Prefix));
        }

        return _v6.Any(a => new IPAddress(a.Address.GetAddressBytes()).Equals(new IPAddress(address.GetAddressBytes())));
    }

    private static bool InPrefix(IPAddress address, IPAddress network, int prefix)
    {
        uint a = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        uint n = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(network.GetAddressBytes());
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return (a & mask) == (n & mask);
    }
}
