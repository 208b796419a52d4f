using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Client.Interop;
using Privport.Client.Protocol;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>The privileged act itself: checks a client's socket, binds it, or makes and binds a new one.</summary>
internal static class SocketBinder
{
    /// <summary>Checks that a socket sent for BIND is an unbound (hence unconnected) inet socket of the declared kind.</summary>
    public static SocketInspection Inspect(SafeFdHandle fd, in BrokerRequest request)
    {
        if (NativeSocket.LocalName(fd) is not { } name)
        {
            return SocketInspection.Unfit("the descriptor sent is not a socket");
        }

        int expectedDomain = request.Endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        if (name.Family != expectedDomain)
        {
            return SocketInspection.Unfit($"the socket sent is {DomainName(name.Family)}, the request says {DomainName(expectedDomain)}");
        }

        int type = NativeSocket.GetInt(fd, SOL_SOCKET, SO_TYPE) ?? 0;
        int protocol = NativeSocket.GetInt(fd, SOL_SOCKET, SO_PROTOCOL) ?? 0;
        bool tcp = request.Endpoint.Protocol == PortProtocol.Tcp;
        if (type != (tcp ? SOCK_STREAM : SOCK_DGRAM) || protocol != (int)request.Endpoint.Protocol)
        {
            return SocketInspection.Unfit($"the socket sent is not a {(tcp ? "TCP stream" : "UDP datagram")} socket as the request says");
        }

        // connect(2) binds an inet socket to an ephemeral port first, so an unbound socket is never connected.
        if (name.Port != 0)
        {
            return SocketInspection.Unfit("the socket sent is already bound (or connected)");
        }

        bool v6Only = name.Family == AF_INET6 && NativeSocket.GetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1;
        return SocketInspection.Fit(v6Only);
    }

    /// <summary>Binds; 0 or the errno.</summary>
    public static int Bind(SafeFdHandle fd, in BrokerRequest request) =>
        NativeSocket.Bind(fd, AddressWithScope(request), request.Endpoint.Port);

    /// <summary>Creates a socket for OPEN, applies the requested options and binds it; the errno on failure.</summary>
    public static (SafeFdHandle? Socket, int Errno) Open(in BrokerRequest request)
    {
        var endpoint = request.Endpoint;
        SafeFdHandle fd;
        try
        {
            fd = NativeSocket.CreateInet(endpoint.Protocol, endpoint.Address.AddressFamily);
        }
        catch (SystemCallException e)
        {
            return (null, e.ErrorNumber);
        }

        try
        {
            var options = request.Flags;
            if (options.HasFlag(BindOptions.ReuseAddress))
            {
                NativeSocket.SetInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            }

            if (options.HasFlag(BindOptions.ReusePort))
            {
                NativeSocket.SetInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
            }

            if (endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // Always set, so net.ipv6.bindv6only cannot change what the policy approved.
                NativeSocket.SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.HasFlag(BindOptions.V6Only) ? 1 : 0);
            }

            if (options.HasFlag(BindOptions.FreeBind))
            {
                NativeSocket.SetInt(fd, IPPROTO_IP, IP_FREEBIND, 1);
            }

            int errno = Bind(fd, request);
            if (errno != 0)
            {
                fd.Dispose();
                return (null, errno);
            }

            return (fd, 0);
        }
        catch (SystemCallException e)
        {
            fd.Dispose();
            return (null, e.ErrorNumber);
        }
    }

    private static IPAddress AddressWithScope(in BrokerRequest request)
    {
        var address = request.Endpoint.Address;
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || request.ScopeId == 0)
        {
            return address;
        }

        return new IPAddress(address.GetAddressBytes(), request.ScopeId);
    }

    private static string DomainName(int domain) => domain switch
    {
        AF_INET => "AF_INET",
        AF_INET6 => "AF_INET6",
        AF_UNIX => "AF_UNIX",
        _ => $"address family {domain}",
    };
}
