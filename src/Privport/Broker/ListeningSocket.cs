using System.Net.Sockets;

namespace Privport.Broker;

/// <summary>The broker's AF_UNIX SOCK_SEQPACKET listening socket and its file.</summary>
internal static class ListeningSocket
{
    private const UnixFileMode AnyoneMayConnect =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static Socket Create(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }

        RemoveIfStale(path);

        // Bound and listening under a temporary name first, then renamed into place: a client that sees the path
        // can connect at once, with the final mode.
        string pending = $"{path}.{Environment.ProcessId}.new";
        File.Delete(pending);
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(pending));
            File.SetUnixFileMode(pending, AnyoneMayConnect);
            socket.Listen(512);
            File.Move(pending, path, overwrite: true);
            return socket;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            File.Delete(pending);
            throw new BrokerStartException($"cannot listen on {path}: {e.Message}. Check that its directory is writable by the broker's user.", e);
        }
    }

    public static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Removing the socket file is tidying up on the way out; a file that cannot go is found and replaced at the
            // next start (see below), so it is no reason to fail a stop.
        }
    }

    // A socket file left by a broker that died is removed; one a live broker answers on is not taken over.
    private static void RemoveIfStale(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }

        throw new BrokerStartException($"another privport broker is already listening on {path}; stop it first or choose another --socket");
    }
}
