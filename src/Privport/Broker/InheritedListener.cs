using System.Net.Sockets;
using Privport.Client;

namespace Privport.Broker;

/// <summary>
/// The listening socket systemd passes under socket activation (sd_listen_fds(3)): LISTEN_PID names this process,
/// LISTEN_FDS counts the descriptors, which start at 3. The broker takes exactly one, and only a listening
/// AF_UNIX SOCK_SEQPACKET socket.
/// </summary>
internal static class InheritedListener
{
    public const string PidVariable = "LISTEN_PID";
    public const string CountVariable = "LISTEN_FDS";
    public const string NamesVariable = "LISTEN_FDNAMES";

    /// <summary>The inherited socket, or null when none was passed to this process.</summary>
    /// <exception cref="BrokerStartException">Sockets were passed, but not exactly one usable one.</exception>
    public static Socket? Adopt()
    {
        IReadOnlyList<ListenFd> inherited;
        try
        {
            inherited = ListenFds.Inherited();
        }
        catch (FormatException e)
        {
            throw new BrokerStartException($"{e.Message}; the broker takes exactly one inherited socket from privport.socket", e);
        }
        catch (IOException e)
        {
            throw new BrokerStartException($"an inherited descriptor cannot be read ({e.Message}); check privport.socket", e);
        }
        finally
        {
            // Cleared whatever they say, so no child process mistakes them for its own.
            Environment.SetEnvironmentVariable(PidVariable, null);
            Environment.SetEnvironmentVariable(CountVariable, null);
            Environment.SetEnvironmentVariable(NamesVariable, null);
        }

        if (inherited.Count == 0)
        {
            return null;
        }

        if (inherited.Count != 1)
        {
            throw new BrokerStartException(
                $"{CountVariable}={inherited.Count}: the broker takes exactly one inherited socket; give privport.socket a single ListenSequentialPacket=");
        }

        var passed = inherited[0];
        string? problem = passed.SocketType == SocketType.Unknown ? "not a socket"
            : passed.AddressFamily != AddressFamily.Unix ? $"an {passed.AddressFamily} socket, not AF_UNIX"
            : passed.SocketType != SocketType.Seqpacket ? $"a {passed.SocketType} socket, not SOCK_SEQPACKET"
            : !passed.IsListening ? "a socket that is not listening"
            : null;
        if (problem is not null)
        {
            throw new BrokerStartException(
                $"inherited descriptor {passed.Descriptor} is {problem}; privport.socket must have ListenSequentialPacket=/run/privport/broker.sock");
        }

        return passed.Adopt();
    }

    /// <summary>The path a client connects to, for messages and for waking acceptors on stop.</summary>
    public static string PathOf(Socket socket) =>
        socket.LocalEndPoint is UnixDomainSocketEndPoint endpoint ? endpoint.ToString() : "(inherited socket)";
}
