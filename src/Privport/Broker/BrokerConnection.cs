using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;
using Privport.Client.Protocol;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// One client connection: request, reply, repeat, until the client hangs up, goes silent past the timeout, or sends
/// something malformed. Requests already queued are served at once on the accepting thread; a connection with
/// nothing queued waits in <see cref="WaitingConnections"/>, so one slow client never holds up another.
/// </summary>
internal sealed class BrokerConnection : IDisposable
{
    private readonly SafeFdHandle _fd;
    private readonly ucred _credentials;
    private readonly SafeFdHandle? _pidfd;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly ILogger _logger;
    private readonly byte[] _payload = new byte[WireFormat.RequestSize + 1];
    private readonly byte[] _reply = new byte[WireFormat.ReplySize];

    public BrokerConnection(SafeFdHandle fd, ucred credentials, RequestHandler handler, PeerIdentityReader identities, ILogger logger)
    {
        _fd = fd;
        _credentials = credentials;
        _handler = handler;
        _identities = identities;
        _logger = logger;
        _pidfd = identities.OpenPidFd(fd);
    }

    public ucred Credentials => _credentials;

    public SafeHandle Handle => _fd;

    /// <summary>Serves every request already queued.</summary>
    /// <returns>False when the connection is finished (hung up, malformed); true when it waits for more.</returns>
    public bool ServeQueued()
    {
        while (UnixMessage.TryReceive(Handle, _payload, MSG_DONTWAIT) is { } message)
        {
            if (!Serve(message))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the client has already hung up (its connection only waits to be reaped).</summary>
    public bool PeerHungUp()
    {
        try
        {
            return UnixMessage.PeerHungUp(Handle);
        }
        catch (ObjectDisposedException)
        {
            // Reaped while we looked: gone either way.
            return true;
        }
    }

    /// <summary>Tells a client it cannot be served now. Its queued request is read first: closing a socket with
    /// unread data resets the peer, which would lose this reply.</summary>
    public void Refuse(int errno, string reason)
    {
        if (UnixMessage.TryReceive(Handle, _payload, MSG_DONTWAIT) is { } unread)
        {
            foreach (var fd in unread.Fds)
            {
                fd.Dispose();
            }
        }

        ReplyCodec.Encode(new BrokerReply(BrokerOp.Query, errno, Client.ReplyDecision.None, 0, reason, default), _reply);
        UnixMessage.Send(Handle, _reply, null);
    }

    private bool Serve(in ReceivedMessage message)
    {
        HandledRequest handled;
        try
        {
            if (message.Length == 0 && message.Fds.Length == 0)
            {
                return false;
            }

            var policy = _handler.CurrentPolicy;
            var peer = _identities.Read(_fd, _credentials, _pidfd, policy.NamesGroups);
            handled = _handler.Handle(policy, peer, message, _payload.AsSpan(0, Math.Min(message.Length, _payload.Length)));
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
            ReplyCodec.Encode(handled.Reply, _reply);
            UnixMessage.Send(Handle, _reply, handled.Socket);
        }

        if (handled.Detail is not null)
        {
            UnixMessage.Send(Handle, handled.Detail, null);
        }

        return !handled.CloseConnection;
    }

    public void Dispose()
    {
        _pidfd?.Dispose();
        _fd.Dispose();
    }
}
