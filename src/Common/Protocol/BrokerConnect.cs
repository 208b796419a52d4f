using System.Net.Sockets;
using Privport.Client;
using static Privport.Interop.Interop.Libc;

namespace Privport.Protocol;

/// <summary>
/// Reaching the broker within a deadline. An AF_UNIX connect to a full backlog does not report "in progress" as TCP
/// does: a non-blocking one fails with EAGAIN at once. So it is retried, on a new socket each time (.NET cannot
/// connect a socket twice), until the deadline; only then does the caller hear of it, as a timeout.
/// </summary>
internal static class BrokerConnect
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>A connected socket, or <see cref="PrivportException"/> saying the broker is missing or too slow.</summary>
    public static async Task<Socket> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken deadline, CancellationToken caller)
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(endpoint, deadline);
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
            {
                socket.Dispose();
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new PrivportException(
                    $"cannot reach the privport broker at {socketPath}: {e.Message}. Start it with 'privport serve' " +
                    "(or 'systemctl start privport'), or point PRIVPORT_SOCKET / --socket at its socket.",
                    e.ErrorCode, ReplyDecision.None, e.Message, brokerUnreachable: true, e);
            }
            catch (OperationCanceledException) when (!caller.IsCancellationRequested)
            {
                socket.Dispose();
                throw TimedOut(socketPath, timeout, "accept the connection");
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            try
            {
                await Task.Delay(RetryInterval, deadline);
            }
            catch (OperationCanceledException) when (!caller.IsCancellationRequested)
            {
                throw TimedOut(socketPath, timeout, "accept the connection");
            }
        }
    }

    /// <summary>Waits a moment before retrying a send that found no room; a timeout once the deadline passes.</summary>
    public static async Task PauseAsync(string socketPath, TimeSpan timeout, CancellationToken deadline, CancellationToken caller)
    {
        try
        {
            await Task.Delay(RetryInterval, deadline);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            throw TimedOut(socketPath, timeout, "take the request");
        }
    }

    /// <summary>The error for a broker that did not do <paramref name="step"/> within the timeout: ETIMEDOUT.</summary>
    public static PrivportException TimedOut(string socketPath, TimeSpan timeout, string step) => new(
        $"the privport broker at {socketPath} did not {step} within {timeout.TotalSeconds:0.###} s; it may be overloaded " +
        "or stopped: retry, check 'privport status', or raise the client's Timeout",
        ETIMEDOUT, ReplyDecision.None, "timed out");
}
