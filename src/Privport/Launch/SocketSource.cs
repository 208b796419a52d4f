using System.Globalization;
using Privport.Broker;
using Privport.Client;
using Privport.Interop;
using Privport.Doctor.Probes;
using static Privport.Interop.Interop.Libc;
using Privport.HostFacts;
using Privport.Sockets;

namespace Privport.Launch;

/// <summary>
/// Opens the sockets <c>privport exec</c> and <c>privport forward</c> hand on: bound here when this process may (root,
/// or a port from 1024 up), otherwise bound by the broker (OPEN) and passed over. TCP sockets are left listening.
/// </summary>
/// <param name="brokerSocket">The broker to ask for ports this process may not bind.</param>
/// <param name="owner">The uid sockets bound here are created as (the user root hands them to), so the kernel's
/// same-owner rule for SO_REUSEPORT holds for that user; null: this process's own.</param>
internal sealed class SocketSource(string? brokerSocket, uint? owner = null)
{
    public string BrokerPath => new PrivportClient(brokerSocket).SocketPath;

    /// <summary>Whether <paramref name="endpoint"/> is bound by this process rather than the broker.</summary>
    public static bool BindsHere(Endpoint endpoint) => geteuid() == 0 || endpoint.Port >= 1024;

    /// <summary>
    /// Opens <paramref name="endpoint"/> with <paramref name="options"/>, synchronously: callers drop privileges and
    /// exec on this same thread afterwards.
    /// </summary>
    /// <exception cref="SocketSourceException">The broker is unreachable, refused, or the bind or listen failed.</exception>
    public SafeFdHandle Open(Endpoint endpoint, BindOptions options, int backlog)
    {
#pragma warning disable CA2000 // Returned to the caller, who owns it; closed here when listen fails.
        var socket = BindsHere(endpoint) ? BindHere(endpoint, options) : FromBroker(endpoint, options);
#pragma warning restore CA2000
        if (endpoint.Protocol == PortProtocol.Tcp)
        {
            try
            {
                NonblockingIo.Listen(socket, backlog);
            }
            catch (SystemCallException e)
            {
                socket.Dispose();
                throw Unavailable(endpoint, e.ErrorNumber, reason: null);
            }
        }

        return socket;
    }

    private SafeFdHandle BindHere(Endpoint endpoint, BindOptions options)
    {
        SafeFdHandle? socket;
        int errno;
        using (SocketOwner.As(owner))
        {
            (socket, errno) = SocketBinder.Open(endpoint, options, (uint)endpoint.Address.ScopeIdOrZero());
        }

        // Outside the owner's scope: naming the port's holder reads other processes' /proc entries, as root.
        return socket ?? throw Unavailable(endpoint, errno, reason: null);
    }

    private SafeFdHandle FromBroker(Endpoint endpoint, BindOptions options)
    {
        var client = new PrivportClient(brokerSocket);
        uint uid = geteuid();
        try
        {
            using var granted = client.BindAsync(endpoint, options).GetAwaiter().GetResult();
            return SafeFdHandle.DuplicateCloseOnExec(granted.SafeHandle);
        }
        catch (PrivportException e) when (e.BrokerUnreachable)
        {
            throw new SocketSourceException(SocketSourceFailure.BrokerUnreachable,
                $"{e.Message}\n  start the broker as root ('privport serve'), point --socket or ${PrivportClient.SocketEnvironmentVariable} at it, or run as root, which binds the port itself");
        }
        catch (PrivportException e) when (e.Decision == ReplyDecision.Deny)
        {
            string advice = $"Add a policy rule allowing uid {uid} this port (try it with 'privport policy test --user {uid} {endpoint}'), then reload the broker (SIGHUP); or run as root with --user";
            if (options.HasFlag(BindOptions.ReusePort))
            {
                advice += "\n  With ',reuseport' the rule also needs reuseport = true (sockets from the broker share its uid, so SO_REUSEPORT would group them across users); or leave out ',reuseport'";
            }

            throw new SocketSourceException(SocketSourceFailure.Denied, string.Create(CultureInfo.InvariantCulture,
                $"the broker at {client.SocketPath} did not grant {endpoint} to uid {uid}: {e.Reason}\n  {advice}"));
        }
        catch (PrivportException e)
        {
            throw Unavailable(endpoint, e.Errno, e.Reason);
        }
    }

    private static SocketSourceException Unavailable(Endpoint endpoint, int errno, string? reason)
    {
        string detail = reason is { Length: > 0 } ? $"{reason} ({Errno.Describe(errno)})" : Errno.Describe(errno);
        string advice = errno switch
        {
            EADDRINUSE => Holder(endpoint),
            EADDRNOTAVAIL => $"{endpoint.Address} is not an address of this host (ip -br address); bind the wildcard ({Endpoint.ProtocolName(endpoint.Protocol)}/{endpoint.Port}) or an address the host has",
            EACCES => "binding a port below 1024 needs root, or a broker whose policy grants it",
            _ => "check the endpoint",
        };
        return new SocketSourceException(SocketSourceFailure.Unavailable, $"cannot bind {endpoint}: {detail}\n  {advice}");
    }

    private static string Holder(Endpoint endpoint)
    {
        string protocol = Endpoint.ProtocolName(endpoint.Protocol);
        var holder = SocketTable.Holders(HostRoot.Live, protocol, endpoint.Port).FirstOrDefault(h => h.Socket.IsListening);
        string who = holder switch
        {
            { Pid: { } pid } => string.Create(CultureInfo.InvariantCulture,
                $"pid {pid} ({holder.Command ?? "?"}, user {holder.UserName ?? holder.Uid.ToString(CultureInfo.InvariantCulture)}{(holder.Unit is { } unit ? $", {unit}" : "")}) holds {holder.Socket.Display}"),
            not null => string.Create(CultureInfo.InvariantCulture,
                $"a process of user {holder.UserName ?? holder.Uid.ToString(CultureInfo.InvariantCulture)} holds {holder.Socket.Display} (its pid is hidden from this user)"),
            null => $"another socket holds {protocol} port {endpoint.Port}",
        };
        return $"{who}: stop or reconfigure it, or pick another port ('privport doctor {endpoint}' explains more)";
    }
}
