using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Privport.Client;

namespace Privport.AspNetCore;

/// <summary>Kestrel endpoints on privileged ports for an application that does not run as root.</summary>
public static class PrivilegedListenExtensions
{
    /// <summary>
    /// Listens on TCP <paramref name="port"/> of every IPv4 address: on a matching socket passed by systemd or
    /// <c>privport exec</c> (LISTEN_FDS) when there is one, else on a socket from the privport broker.
    /// </summary>
    /// <exception cref="PrivportException">No socket was passed and the broker denied the port, failed, or is not running.</exception>
    public static KestrelServerOptions ListenPrivileged(this KestrelServerOptions options, int port, Action<ListenOptions>? configure = null) =>
        options.ListenPrivileged(IPAddress.Any, port, configure);

    /// <summary>
    /// Listens on TCP <paramref name="address"/>:<paramref name="port"/>: on a matching socket passed by systemd or
    /// <c>privport exec</c> (LISTEN_FDS) when there is one, else on a socket from the privport broker
    /// (at <c>$PRIVPORT_SOCKET</c> or /run/privport/broker.sock).
    /// </summary>
    /// <exception cref="PrivportException">No socket was passed and the broker denied the endpoint, failed, or is not running.</exception>
    public static KestrelServerOptions ListenPrivileged(this KestrelServerOptions options, IPAddress address, int port, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);

        int descriptor = PrivilegedSocketSource.Inherited(address, port) ?? PrivilegedSocketSource.FromBroker(address, port);
        options.ListenHandle((ulong)descriptor, configure ?? (_ => { }));
        return options;
    }
}
