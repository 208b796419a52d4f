using System.Net.Sockets;
using Privport.Client;
using Privport.Kernel;

namespace Privport.Tests.Kernel;

/// <summary>The LPM-trie key layout the grant program builds on its stack.</summary>
public sealed class GrantKeyTests
{
    [Fact]
    public void Ipv4_prefix_entry_has_fixed_fields_then_network_order_address()
    {
        var entry = new GrantEntry(AddressFamily.InterNetwork, PortProtocol.Tcp, 443, GrantSubject.User(65534), false, 0x7f000000, 8, 5);
        Assert.Equal(
            Convert.FromHexString("68000000" + "01010600" + "feff0000" + "bb010000" + "7f000000000000000000000000000000"),
            GrantKey.Encode(entry));
    }

    [Fact]
    public void Wildcard_entries_use_their_own_class_and_match_only_the_fixed_fields()
    {
        var entry = new GrantEntry(AddressFamily.InterNetworkV6, PortProtocol.Udp, 53, GrantSubject.AnyUser, true, 0, 0, 0);
        byte[] key = GrantKey.Encode(entry);
        Assert.Equal(96u, BitConverter.ToUInt32(key, 0));
        Assert.Equal(GrantKey.ClassIPv6Wildcard, key[GrantKey.ClassOffset]);
        Assert.Equal(17, key[GrantKey.ProtocolOffset]);
    }

    [Fact]
    public void Cgroup_paths_escape_to_one_directory_name_and_back()
    {
        foreach (string path in new[] { "/system.slice/caddy.service", "/a b/%x/..", "/" })
        {
            string name = PinLayout.EscapeCgroupPath(path);
            Assert.DoesNotContain('/', name);
            Assert.False(name.StartsWith('.'));
            Assert.Equal(path, PinLayout.UnescapeCgroupPath(name));
        }
    }
}
