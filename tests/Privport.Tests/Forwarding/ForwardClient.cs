using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Privport.Tests.Forwarding;

/// <summary>Client-side steps of the forwarding tests, each bounded in time.</summary>
public static class ForwardClient
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static async Task<Socket> ConnectAsync(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(Limit);
        await socket.ConnectAsync(new IPEndPoint(address, port), deadline.Token);
        return socket;
    }

    /// <summary>Everything until end of stream.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(Limit);
        using var all = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }

    /// <summary>Exactly <paramref name="count"/> bytes (fewer only at end of stream).</summary>
    public static async Task<byte[]> ReadAsync(Socket socket, int count)
    {
        using var deadline = new CancellationTokenSource(Limit);
        var buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, deadline.Token);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer[..total];
    }

    public static async Task<string> EchoAsync(Socket socket, string text)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(text));
        return Encoding.ASCII.GetString(await ReadAsync(socket, text.Length));
    }

    /// <summary>How the connection ended when read: 0 for end of stream, else the socket error (ConnectionReset).</summary>
    public static async Task<SocketError> EndingAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(Limit);
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0)
            {
            }

            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    /// <summary>
    /// Connects and reads how the connection ends. A reset that arrives before the connect call has seen the
    /// handshake complete fails the connect itself; either way the answer is the reset.
    /// </summary>
    public static async Task<SocketError> ConnectAndReadEndingAsync(IPAddress address, int port)
    {
        try
        {
            using var socket = await ConnectAsync(address, port);
            return await EndingAsync(socket);
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    /// <summary>A loopback TCP port nothing listens on (bound and released at once).</summary>
    public static int UnusedPort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
