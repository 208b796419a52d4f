using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Privport.Systemd;

/// <summary>
/// sd_notify(3) for a <c>Type=notify</c> unit (the broker, a forwarder): READY=1 once clients can connect, RELOADING=1
/// with MONOTONIC_USEC around a reload, STOPPING=1 on the way out. Does nothing when NOTIFY_SOCKET is not set.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    private SystemdNotifier(Socket? socket, UnixDomainSocketEndPoint? endpoint)
    {
        _socket = socket;
        _endpoint = endpoint;
    }

    /// <summary>Reads NOTIFY_SOCKET and removes it from the environment, as sd_notify's unset_environment does.</summary>
    public static SystemdNotifier FromEnvironment()
    {
        string? path = Environment.GetEnvironmentVariable(SocketVariable);
        Environment.SetEnvironmentVariable(SocketVariable, null);
        if (string.IsNullOrEmpty(path) || (path[0] != '/' && path[0] != '@'))
        {
            return new SystemdNotifier(null, null);
        }

        // A leading '@' names an abstract socket, which .NET spells with a leading NUL.
        var endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        return new SystemdNotifier(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified), endpoint);
    }

    public bool Enabled => _socket is not null;

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    public void Reloading() => Send(
        $"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}\nSTATUS=reloading the policy");

    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping");

    public void Status(string status) => Send($"STATUS={status}");

    public void Dispose() => _socket?.Dispose();

    // Stopwatch reads CLOCK_MONOTONIC on Linux, the clock systemd compares MONOTONIC_USEC with.
    private static ulong MonotonicMicroseconds() => (ulong)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1_000_000));

    // Notification is best effort, as in sd_notify: a service manager that went away must not stop the broker.
    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message.Replace("\n\n", "\n", StringComparison.Ordinal)), _endpoint!);
        }
        catch (SocketException)
        {
        }
    }
}
