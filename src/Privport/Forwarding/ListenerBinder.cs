using System.Net.Sockets;
using Privport.Client;
using Privport.Client.Interop;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>
/// Gets each listening socket: bound here when this process may (root, or a port from 1024 up), otherwise opened by
/// the broker (OPEN) and handed over. TCP sockets then listen; every socket is made nonblocking for the event loops.
/// </summary>
internal sealed class ListenerBinder(string? brokerSocket)
{
    private const int Backlog = 4096;

    public async Task<ListenerSlot> BindAsync(int index, ForwardRule rule, CancellationToken cancellation)
    {
        bool own = geteuid() == 0 || rule.Listen.Port >= 1024;
        SafeFdHandle socket = own ? BindHere(rule.Listen) : await FromBrokerAsync(rule.Listen, cancellation);
        try
        {
            if (rule.Listen.Protocol == PortProtocol.Tcp)
            {
                NonblockingIo.Listen(socket, Backlog);
            }

            NonblockingIo.SetNonblocking(socket);
        }
        catch (SystemCallException e)
        {
            socket.Dispose();
            throw new ForwardSetupException($"cannot listen on {rule.Listen}: {e.Message}");
        }

        return new ListenerSlot(index, rule, socket, own ? "by this process" : $"by the broker at {new PrivportClient(brokerSocket).SocketPath}");
    }

    private static SafeFdHandle BindHere(Endpoint endpoint)
    {
        var socket = NativeSocket.CreateInet(endpoint.Protocol, endpoint.Address.AddressFamily);
        if (endpoint.Protocol == PortProtocol.Tcp)
        {
            // A restarted forwarder must not wait out TIME_WAIT connections of the previous one.
            NativeSocket.SetInt(socket, SOL_SOCKET, SO_REUSEADDR, 1);
        }

        int errno = NativeSocket.Bind(socket, endpoint.Address, endpoint.Port);
        if (errno == 0)
        {
            return socket;
        }

        socket.Dispose();
        string advice = errno switch
        {
            EADDRINUSE => $"another program holds the port; find it with: ss -{(endpoint.Protocol == PortProtocol.Udp ? "u" : "t")}lnp 'sport = :{endpoint.Port}'",
            EADDRNOTAVAIL => $"{endpoint.Address} is not an address of this host; listen on one it has, or on 0.0.0.0",
            EACCES => "binding a port below 1024 needs root or a broker that grants it",
            _ => "check the endpoint",
        };
        throw new ForwardSetupException($"cannot bind {endpoint}: {Errno.Describe(errno)}; {advice}");
    }

    private async Task<SafeFdHandle> FromBrokerAsync(Endpoint endpoint, CancellationToken cancellation)
    {
        var client = new PrivportClient(brokerSocket);
        Socket socket;
        try
        {
            socket = await client.BindAsync(endpoint, endpoint.Protocol == PortProtocol.Tcp ? BindOptions.ReuseAddress : BindOptions.None, cancellation);
        }
        catch (PrivportException e) when (e.BrokerUnreachable)
        {
            throw new ForwardSetupException($"cannot get {endpoint}: {e.Message.TrimEnd('.')}; or run privport forward as root, which binds the port itself");
        }
        catch (PrivportException e)
        {
            throw new ForwardSetupException($"the broker at {client.SocketPath} did not grant {endpoint}: {e.Message}. "
                + $"Add a policy rule allowing uid {geteuid()} this port, or run privport forward as root with --user");
        }

        using (socket)
        {
            int fd = fcntl(socket.SafeHandle, F_DUPFD_CLOEXEC, 0);
            return fd >= 0 ? new SafeFdHandle(fd) : throw SystemCallException.FromLastError("fcntl F_DUPFD_CLOEXEC");
        }
    }
}
