using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Interop;

namespace Privport.AspNetCore;

/// <summary>Where a privileged listening socket comes from: inherited by LISTEN_FDS first, the broker second.</summary>
internal static class PrivilegedSocketSource
{
    /// <summary>The descriptor of an inherited TCP socket bound to the endpoint, marked close-on-exec; null when none is.</summary>
    public static int? Inherited(IPAddress address, int port)
    {
        foreach (var inherited in ListenFds.Inherited())
        {
            if (inherited.SocketType == SocketType.Stream && inherited.LocalEndPoint is { } local && local.Port == port && Covers(address, local.Address))
            {
                // Kestrel takes the descriptor as it is; without close-on-exec every process the application starts
                // would hold the port open too.
                inherited.SetCloseOnExec();
                return inherited.Descriptor;
            }
        }

        return null;
    }

    /// <summary>A descriptor of a socket the broker bound for this process (OPEN); Kestrel listens on it.</summary>
    public static int FromBroker(IPAddress address, int port)
    {
        var endpoint = new Endpoint(PortProtocol.Tcp, address, (ushort)port);
        var client = new PrivportClient();

        // Kestrel configures its endpoints synchronously.
        using var socket = client.BindAsync(endpoint, BindOptions.ReuseAddress).GetAwaiter().GetResult();
        int descriptor = Interop.Libc.fcntl(socket.SafeHandle, Interop.Libc.F_DUPFD_CLOEXEC, 0);
        return descriptor >= 0 ? descriptor : throw SystemCallException.FromLastError("fcntl F_DUPFD_CLOEXEC");
    }

    private static bool Covers(IPAddress wanted, IPAddress bound) =>
        wanted.Equals(bound) || (IsWildcard(wanted) && IsWildcard(bound));

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
