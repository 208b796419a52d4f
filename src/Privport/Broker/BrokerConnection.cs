using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;
using Privport.Client.Protocol;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Serves one client connection: request, reply, repeat, until the client hangs up, goes silent past the timeout,
/// or sends something malformed. Each connection runs on its own, so one slow client never holds up another.
/// </summary>
internal sealed class BrokerConnection
{
    private readonly Socket _socket;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    public BrokerConnection(Socket socket, RequestHandler handler, PeerIdentityReader identities, TimeSpan timeout, ILogger logger)
    {
        _socket = socket;
        _handler = handler;
        _identities = identities;
        _timeout = timeout;
        _logger = logger;
    }

    public async Task RunAsync(ucred credentials, CancellationToken stopping)
    {
        using var pidfd = _identities.OpenPidFd(_socket);
        var peekBuffer = new byte[1];
        var payload = new byte[WireFormat.RequestSize + 1];
        var replyBytes = new byte[WireFormat.ReplySize];
        while (!stopping.IsCancellationRequested)
        {
            if (!await WaitForRequestAsync(peekBuffer, credentials, stopping))
            {
                return;
            }

            var message = UnixMessage.Receive(_socket.SafeHandle, payload, MSG_DONTWAIT);
            HandledRequest handled;
            try
            {
                if (message.Length == 0 && message.Fds.Length == 0)
                {
                    return;
                }

                var peer = _identities.Read(credentials, pidfd);
                handled = _handler.Handle(peer, message, payload.AsSpan(0, Math.Min(message.Length, payload.Length)));
            }
            finally
            {
                // Every descriptor a client sends is closed here, used or not, whatever went wrong.
                foreach (var fd in message.Fds)
                {
                    fd.Dispose();
                }
            }

            using (handled.Socket)
            {
                ReplyCodec.Encode(handled.Reply, replyBytes);
                UnixMessage.Send(_socket.SafeHandle, replyBytes, handled.Socket);
            }

            if (handled.CloseConnection)
            {
                return;
            }
        }
    }

    /// <returns>False when the client hung up or stayed silent past the timeout.</returns>
    private async Task<bool> WaitForRequestAsync(byte[] peekBuffer, ucred credentials, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(_timeout);
        try
        {
            // A peek waits for the datagram without consuming it, so recvmsg can then take it whole with its fds.
            await _socket.ReceiveAsync(peekBuffer, SocketFlags.Peek, deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            BrokerLog.ClientTimedOut(_logger, credentials.pid, credentials.uid, _timeout.TotalSeconds);
            return false;
        }
    }
}
