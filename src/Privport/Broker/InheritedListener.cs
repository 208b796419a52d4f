using System.Globalization;
using System.Net.Sockets;

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

    private const int FirstFd = 3;
    private const int SolSocket = 1;
    private const int SoAcceptConn = 30;

    /// <summary>The inherited socket, or null when none was passed to this process.</summary>
    /// <exception cref="BrokerStartException">Sockets were passed, but not exactly one usable one.</exception>
    public static Socket? Adopt()
    {
        string? pid = Environment.GetEnvironmentVariable(PidVariable);
        string? count = Environment.GetEnvironmentVariable(CountVariable);

        // Cleared whatever they say, so no child process mistakes them for its own.
        Environment.SetEnvironmentVariable(PidVariable, null);
        Environment.SetEnvironmentVariable(CountVariable, null);
        Environment.SetEnvironmentVariable(NamesVariable, null);
        if (pid is null || count is null
            || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int listenPid)
            || listenPid != Environment.ProcessId)
        {
            return null;
        }

        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int fds) || fds != 1)
        {
            throw new BrokerStartException(
                $"{CountVariable}={count}: the broker takes exactly one inherited socket; give privport.socket a single ListenSequentialPacket=");
        }

        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(FirstFd, ownsHandle: true));
        }
        catch (SocketException e)
        {
            throw new BrokerStartException($"inherited descriptor {FirstFd} is not a socket ({e.Message}); check privport.socket", e);
        }

        string? problem = Describe(socket);
        if (problem is not null)
        {
            socket.Dispose();
            throw new BrokerStartException(
                $"inherited descriptor {FirstFd} is {problem}; privport.socket must have ListenSequentialPacket=/run/privport/broker.sock");
        }

        return socket;
    }

    /// <summary>The path a client connects to, for messages and for waking acceptors on stop.</summary>
    public static string PathOf(Socket socket) =>
        socket.LocalEndPoint is UnixDomainSocketEndPoint endpoint ? endpoint.ToString() : "(inherited socket)";

    private static string? Describe(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            return $"an {socket.AddressFamily} socket, not AF_UNIX";
        }

        if (socket.SocketType != SocketType.Seqpacket)
        {
            return $"a {socket.SocketType} socket, not SOCK_SEQPACKET";
        }

        Span<byte> value = stackalloc byte[sizeof(int)];
        int length = socket.GetRawSocketOption(SolSocket, SoAcceptConn, value);
        return length == sizeof(int) && BitConverter.ToInt32(value) != 0 ? null : "a socket that is not listening";
    }
}
