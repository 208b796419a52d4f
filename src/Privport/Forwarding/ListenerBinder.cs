using Privport.Client;
using Privport.Interop;
using Privport.Launch;

namespace Privport.Forwarding;

/// <summary>
/// Gets each listening socket from <see cref="SocketSource"/> (bound here, or by the broker) and makes it nonblocking
/// for the event loops.
/// </summary>
internal sealed class ListenerBinder(string? brokerSocket)
{
    private const int Backlog = 4096;

    private readonly SocketSource _source = new(brokerSocket);

    public ListenerSlot Bind(int index, ForwardRule rule)
    {
        // A restarted forwarder must not wait out TIME_WAIT connections of the previous one.
        var options = rule.Listen.Protocol == PortProtocol.Tcp ? BindOptions.ReuseAddress : BindOptions.None;
        SafeFdHandle socket;
        try
        {
            socket = _source.Open(rule.Listen, options, Backlog);
        }
        catch (SocketSourceException e)
        {
            throw new ForwardSetupException(e.Message);
        }

        try
        {
            NonblockingIo.SetNonblocking(socket);
        }
        catch (SystemCallException e)
        {
            socket.Dispose();
            throw new ForwardSetupException($"cannot listen on {rule.Listen}: {e.Message}");
        }

        return new ListenerSlot(index, rule, socket, SocketSource.BindsHere(rule.Listen) ? "by this process" : $"by the broker at {_source.BrokerPath}");
    }
}
