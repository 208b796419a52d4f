using System.Net;
using System.Net.Sockets;
using Privport.Client;

namespace Privport.AspNetCore;

/// <summary>Where a privileged listening socket comes from: inherited by LISTEN_FDS first, the broker second.</summary>
internal static class PrivilegedSocketSource
{
    /// <summary>The descriptor of an inherited TCP socket bound to the endpoint; null when none is.</summary>
    public static int? Inherited(IPAddress address, int port)
    {
        foreach (var inherited in ListenFds.Inherited())
        {
            if (inherited.SocketType == SocketType.Stream && inherited.LocalEndPoint is { } local && local.Port == port && Covers(address, local.Address))
            {
                // Kestrel takes the descriptor as it is: ListenFds.Inherited has marked it close-on-exec, so the
                // processes the application starts do not hold the port open too.
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
        return client.BindDescriptorAsync(endpoint, BindOptions.ReuseAddress).GetAwaiter().GetResult();
    }

    private static bool Covers(IPAddress wanted, IPAddress bound) =>
        wanted.Equals(bound) || (IsWildcard(wanted) && IsWildcard(bound));

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
