using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Sockets;

/// <summary>
/// Binding an inet socket, for the broker (a client's socket, or one it makes for OPEN) and for the launchers that bind
/// themselves as root: checks a socket sent, binds it, or makes, sets up and binds a new one.
/// </summary>
internal static class SocketBinder
{
    /// <summary>Checks that a socket sent for BIND is an unbound (hence unconnected) inet socket of the declared kind.</summary>
    public static SocketInspection Inspect(SafeFdHandle fd, Endpoint endpoint)
    {
        if (NativeSocket.LocalName(fd) is not { } name)
        {
            return SocketInspection.Unfit("the descriptor sent is not a socket");
        }

        int expectedDomain = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;
        if (name.Family != expectedDomain)
        {
            return SocketInspection.Unfit($"the socket sent is {DomainName(name.Family)}, the request says {DomainName(expectedDomain)}");
        }

        int type = NativeSocket.GetInt(fd, SOL_SOCKET, SO_TYPE) ?? 0;
        int protocol = NativeSocket.GetInt(fd, SOL_SOCKET, SO_PROTOCOL) ?? 0;
        bool tcp = endpoint.Protocol == PortProtocol.Tcp;
        if (type != (tcp ? SOCK_STREAM : SOCK_DGRAM) || protocol != (int)endpoint.Protocol)
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

    /// <summary>
    /// The backlog an OPEN socket listens with until its client calls listen(2) again, which only updates it: systemd's
    /// default (SOMAXCONN), capped by the kernel at net.core.somaxconn.
    /// </summary>
    public const int OpenBacklog = 4096;

    /// <summary>Binds; 0 or the errno. <paramref name="scopeId"/> is the IPv6 zone of a link-local address, else 0.</summary>
    public static int Bind(SafeFdHandle fd, Endpoint endpoint, uint scopeId) =>
        NativeSocket.Bind(fd, AddressWithScope(endpoint.Address, scopeId), endpoint.Port);

    /// <summary>
    /// Binds a client's socket to <c>::</c> so that the bind is IPv6-only whatever the client does meanwhile; 0 or the
    /// errno, and a reason when the errno alone would mislead.
    /// </summary>
    /// <remarks>
    /// The client holds the same socket and can switch IPV6_V6ONLY off between any two of the broker's calls; only
    /// bind(2) fixes it. Setting it here and reading it back before the bind would leave that window open. Instead a
    /// socket of the broker's holds 0.0.0.0 on the port while the client's socket is bound: a dual-stack bind collides
    /// with it (no SO_REUSEADDR or SO_REUSEPORT on the guard, so no sharing) and fails with EADDRINUSE, and a bind that
    /// succeeds is IPv6-only, which the read after it confirms.
    /// </remarks>
    public static (int Errno, string? Problem) BindIPv6Only(SafeFdHandle fd, Endpoint endpoint, uint scopeId, ulong? brokerNetworkNamespace)
    {
        string port = endpoint.Port.ToString(CultureInfo.InvariantCulture);
        if (brokerNetworkNamespace is null || NetworkNamespace.CookieOf(fd) != brokerNetworkNamespace)
        {
            // The guard would sit in the broker's namespace, where it cannot stop a bind in the socket's.
            return (EACCES, $"the socket sent belongs to another network namespace than the broker's, where it cannot hold 0.0.0.0:{port} while binding [::] IPv6-only; make the socket in the broker's namespace, or allow 0.0.0.0 as well");
        }

        SafeFdHandle guard;
        try
        {
#pragma warning disable CA2000 // Disposed by the using (guard) block right after this try.
            guard = NativeSocket.CreateInet(endpoint.Protocol, AddressFamily.InterNetwork);
#pragma warning restore CA2000
        }
        catch (SystemCallException e)
        {
            return (e.ErrorNumber, null);
        }

        using (guard)
        {
            int held = NativeSocket.Bind(guard, IPAddress.Any, endpoint.Port);
            if (held != 0)
            {
                return (held, held == EADDRINUSE
                    ? $"0.0.0.0:{port} is in use, so the broker cannot make sure this bind of [::] stays IPv6-only; allow 0.0.0.0 as well, or free it"
                    : null);
            }

            try
            {
                NativeSocket.SetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
            }
            catch (SystemCallException e)
            {
                return (e.ErrorNumber, null);
            }

            int errno = Bind(fd, endpoint, scopeId);
            if (errno != 0)
            {
                return (errno, errno == EADDRINUSE ? $"[::]:{port} as IPv6-only is in use, or the socket was switched to dual-stack during the bind" : null);
            }

            // Bound now, so IPV6_V6ONLY can no longer change (the kernel refuses it with EINVAL).
            return NativeSocket.GetInt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1
                ? (0, null)
                : (EINVAL, "the socket is bound dual-stack although 0.0.0.0 was held; report this as a privport bug");
        }
    }

    /// <summary>Creates a socket (for OPEN, or a launcher's own bind), applies the options and binds it; the errno on failure.</summary>
    public static (SafeFdHandle? Socket, int Errno) Open(Endpoint endpoint, BindOptions options, uint scopeId)
    {
        SafeFdHandle fd;
        try
        {
#pragma warning disable CA2000 // Returned to the caller, who owns it; closed below when an option, the bind or listen fails.
            fd = NativeSocket.CreateInet(endpoint.Protocol, endpoint.Address.AddressFamily);
#pragma warning restore CA2000
        }
        catch (SystemCallException e)
        {
            return (null, e.ErrorNumber);
        }

        try
        {
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

            int errno = Bind(fd, endpoint, scopeId);
            if (errno != 0)
            {
                fd.Dispose();
                return (null, errno);
            }

            // A listening TCP socket refuses connect(2) (EISCONN), so what is handed over serves rather than dials out
            // from a privileged port. A client can still undo it (connect with AF_UNSPEC disconnects a listener),
            // as it can dial out from any port it was granted; see docs/threat-model.md.
            if (endpoint.Protocol == PortProtocol.Tcp)
            {
                NonblockingIo.Listen(fd, OpenBacklog);
            }

            return (fd, 0);
        }
        catch (SystemCallException e)
        {
            fd.Dispose();
            return (null, e.ErrorNumber);
        }
    }

    private static IPAddress AddressWithScope(IPAddress address, uint scopeId)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || scopeId == 0)
        {
            return address;
        }

        return new IPAddress(address.GetAddressBytes(), scopeId);
    }

    private static string DomainName(int domain) => domain switch
    {
        AF_INET => "AF_INET",
        AF_INET6 => "AF_INET6",
        AF_UNIX => "AF_UNIX",
        _ => $"address family {domain}",
    };
}
