using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Client.Tests.Interop;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Interop;

// Only loopback addresses and port 0 (ephemeral) are bound, so parallel tests cannot collide.
public sealed class NativeSocketTests
{
    [Fact]
    public void CreateInet_makes_a_close_on_exec_socket()
    {
        using var fd = NativeSocket.CreateInet(PortProtocol.Tcp, AddressFamily.InterNetwork);

        Assert.True(Descriptors.IsCloseOnExec(fd));
    }

    [Theory]
    [InlineData((byte)PortProtocol.Tcp, "127.0.0.1")]
    [InlineData((byte)PortProtocol.Udp, "127.0.0.1")]
    [InlineData((byte)PortProtocol.Tcp, "::1")]
    [InlineData((byte)PortProtocol.Udp, "::1")]
    public void Bind_to_loopback_port_0_succeeds_and_gives_a_nonzero_local_port(byte protocol, string address)
    {
        var ip = IPAddress.Parse(address);
        using var fd = NativeSocket.CreateInet((PortProtocol)protocol, ip.AddressFamily);
        Assert.Equal(0, NativeSocket.LocalPort(fd));

        int errno = NativeSocket.Bind(fd, ip, 0);
        SkipIfNoLoopback(errno, ip);

        Assert.Equal(0, errno);
        Assert.NotEqual(0, NativeSocket.LocalPort(fd));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void LocalPort_agrees_with_the_port_dotnet_reads_from_the_same_socket(string address)
    {
        var ip = IPAddress.Parse(address);
        using var socket = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(ip, 0));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            Assert.Skip($"this host has no loopback address {address}");
        }

        Assert.Equal(((IPEndPoint)socket.LocalEndPoint!).Port, NativeSocket.LocalPort(socket.SafeHandle));
    }

    [Theory]
    [InlineData((byte)PortProtocol.Tcp, "127.0.0.1")]
    [InlineData((byte)PortProtocol.Udp, "127.0.0.1")]
    [InlineData((byte)PortProtocol.Tcp, "::1")]
    public void Bind_returns_eaddrinuse_for_a_port_already_bound_rather_than_throwing(byte protocol, string address)
    {
        var ip = IPAddress.Parse(address);
        using var first = NativeSocket.CreateInet((PortProtocol)protocol, ip.AddressFamily);
        int errno = NativeSocket.Bind(first, ip, 0);
        SkipIfNoLoopback(errno, ip);
        Assert.Equal(0, errno);
        using var second = NativeSocket.CreateInet((PortProtocol)protocol, ip.AddressFamily);

        Assert.Equal(EADDRINUSE, NativeSocket.Bind(second, ip, NativeSocket.LocalPort(first)));
        Assert.Equal(0, NativeSocket.LocalPort(second));
    }

    [Fact]
    public void Bind_returns_einval_for_a_socket_already_bound()
    {
        using var fd = NativeSocket.CreateInet(PortProtocol.Tcp, AddressFamily.InterNetwork);
        Assert.Equal(0, NativeSocket.Bind(fd, IPAddress.Loopback, 0));

        Assert.Equal(EINVAL, NativeSocket.Bind(fd, IPAddress.Loopback, 0));
    }

    [Fact]
    public void LocalName_reports_an_unbound_inet_socket_with_port_0()
    {
        using var fd = NativeSocket.CreateInet(PortProtocol.Tcp, AddressFamily.InterNetworkV6);

        Assert.Equal((AF_INET6, (ushort)0), NativeSocket.LocalName(fd));
    }

    [Fact]
    public void LocalName_reports_a_unix_socket_as_af_unix()
    {
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        Assert.Equal(AF_UNIX, NativeSocket.LocalName(unix.SafeHandle)!.Value.Family);
    }

    [Fact]
    public void LocalName_is_null_for_a_descriptor_that_is_not_a_socket()
    {
        using var file = File.OpenHandle(typeof(NativeSocketTests).Assembly.Location);

        Assert.Null(NativeSocket.LocalName(file));
    }

    // The broker takes "not bound" to mean "not connected": connect(2) must bind first, for TCP and UDP alike.
    [Fact]
    public void A_connected_tcp_socket_is_always_bound()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        client.Connect(listener.LocalEndPoint!);

        Assert.NotEqual(0, NativeSocket.LocalPort(client.SafeHandle));
    }

    [Fact]
    public void A_connected_udp_socket_is_always_bound()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        udp.Connect(peer.LocalEndPoint!);

        Assert.NotEqual(0, NativeSocket.LocalPort(udp.SafeHandle));
    }

    [Theory]
    [InlineData((byte)PortProtocol.Tcp, AddressFamily.InterNetwork, AF_INET, SOCK_STREAM, IPPROTO_TCP)]
    [InlineData((byte)PortProtocol.Udp, AddressFamily.InterNetwork, AF_INET, SOCK_DGRAM, IPPROTO_UDP)]
    [InlineData((byte)PortProtocol.Tcp, AddressFamily.InterNetworkV6, AF_INET6, SOCK_STREAM, IPPROTO_TCP)]
    [InlineData((byte)PortProtocol.Udp, AddressFamily.InterNetworkV6, AF_INET6, SOCK_DGRAM, IPPROTO_UDP)]
    public void GetInt_reads_the_socket_domain_type_and_protocol(byte protocol, AddressFamily family, int domain, int type, int ipproto)
    {
        using var fd = NativeSocket.CreateInet((PortProtocol)protocol, family);

        Assert.Equal(domain, NativeSocket.GetInt(fd, SOL_SOCKET, SO_DOMAIN));
        Assert.Equal(type, NativeSocket.GetInt(fd, SOL_SOCKET, SO_TYPE));
        Assert.Equal(ipproto, NativeSocket.GetInt(fd, SOL_SOCKET, SO_PROTOCOL));
    }

    [Fact]
    public void GetInt_reads_a_unix_seqpacket_socket_as_such()
    {
        var (first, second) = Descriptors.SeqpacketPair();
        using (first)
        using (second)
        {
            Assert.Equal(AF_UNIX, NativeSocket.GetInt(first, SOL_SOCKET, SO_DOMAIN));
            Assert.Equal(SOCK_SEQPACKET, NativeSocket.GetInt(first, SOL_SOCKET, SO_TYPE));
        }
    }

    [Fact]
    public void GetInt_returns_null_on_a_file_when_enotsock_is_tolerated()
    {
        using var temp = new TempDirectory();
        using var file = File.OpenHandle(temp.File("not-a-socket"), FileMode.CreateNew, FileAccess.ReadWrite);

        Assert.Null(NativeSocket.GetInt(file, SOL_SOCKET, SO_TYPE, tolerated: ENOTSOCK));
    }

    [Fact]
    public void GetInt_throws_naming_getsockopt_and_the_errno_when_it_is_not_tolerated()
    {
        using var temp = new TempDirectory();
        using var file = File.OpenHandle(temp.File("not-a-socket"), FileMode.CreateNew, FileAccess.ReadWrite);

        var error = Assert.Throws<SystemCallException>(() => NativeSocket.GetInt(file, SOL_SOCKET, SO_TYPE));

        Assert.Equal("getsockopt", error.Syscall);
        Assert.Equal(ENOTSOCK, error.ErrorNumber);
        Assert.Contains("ENOTSOCK (88)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SOL_SOCKET, SO_REUSEADDR)]
    [InlineData(SOL_SOCKET, SO_REUSEPORT)]
    [InlineData(IPPROTO_IP, IP_FREEBIND)]
    public void SetInt_sets_an_option_GetInt_reads_back(int level, int name)
    {
        using var fd = NativeSocket.CreateInet(PortProtocol.Tcp, AddressFamily.InterNetwork);
        Assert.Equal(0, NativeSocket.GetInt(fd, level, name));

        NativeSocket.SetInt(fd, level, name, 1);

        Assert.Equal(1, NativeSocket.GetInt(fd, level, name));
    }

    [Fact]
    public void SetInt_sets_ipv6_v6only()
    {
        using var fd = NativeSocket.CreateInet(PortProtocol.Tcp, AddressFamily.InterNetworkV6);

        NativeSocket.SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
        Assert.Equal(1, NativeSocket.GetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY));
        NativeSocket.SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
        Assert.Equal(0, NativeSocket.GetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY));
    }

    private static void SkipIfNoLoopback(int errno, IPAddress address)
    {
        if (errno == EADDRNOTAVAIL && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Assert.Skip($"this host has no IPv6 loopback ({address}): bind gave EADDRNOTAVAIL");
        }
    }
}
