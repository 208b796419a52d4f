using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Protocol;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// One client connection: request, reply, repeat, until the client hangs up, goes silent past the timeout, or sends
/// something malformed. Each turn serves at most a small budget of queued requests, and every reply is sent without
/// waiting: a client that does not read its replies loses its connection rather than hold a serving thread.
/// </summary>
internal sealed class BrokerConnection : IDisposable
{
    private readonly SafeFdHandle _fd;
    private readonly ucred _credentials;
    private readonly SafeFdHandle? _pidfd;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly byte[] _payload = new byte[WireFormat.RequestSize + 1];
    private readonly byte[] _reply = new byte[WireFormat.ReplySize];

    public BrokerConnection(SafeFdHandle fd, ucred credentials, RequestHandler handler, PeerIdentityReader identities)
    {
        _fd = fd;
        _credentials = credentials;
        _handler = handler;
        _identities = identities;
        try
        {
            _pidfd = identities.OpenPidFd(fd);
        }
        catch (SystemCallException e) when (e.ErrorNumber is EMFILE or ENFILE)
        {
            OutOfDescriptors = true;
        }
    }

    public ucred Credentials => _credentials;

    public SafeHandle Handle => _fd;

    /// <summary>The broker had no descriptor left for the peer's pidfd: the client cannot be identified now.</summary>
    public bool OutOfDescriptors { get; }

    /// <summary>Serves up to <paramref name="budget"/> requests already queued, without waiting for more.</summary>
    public ServeOutcome Serve(int budget)
    {
        for (int i = 0; i < budget; i++)
        {
            if (UnixMessage.TryReceive(Handle, _payload, MSG_DONTWAIT) is not { } message)
            {
                return ServeOutcome.Waiting;
            }

            var outcome = Serve(message);
            if (outcome != ServeOutcome.Waiting)
            {
                return outcome;
            }
        }

        return ServeOutcome.Waiting;
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

        SendRefusal(errno, reason);
    }

    private void SendRefusal(int errno, string reason)
    {
        ReplyCodec.Encode(new BrokerReply(BrokerOp.Query, errno, Client.ReplyDecision.None, 0, reason, default), _reply);
        TrySend(_reply, null);
    }

    private ServeOutcome Serve(in ReceivedMessage message)
    {
        HandledRequest handled;
        try
        {
            if (message.Length == 0 && message.Fds.Length == 0)
            {
                return ServeOutcome.Finished;
            }

            // The kernel truncates control data when it cannot install a passed descriptor (EMFILE): that is the
            // broker's shortage, not the client's mistake, so the answer is "retry", not EINVAL.
            if (message.ControlTruncated && DescriptorsExhausted())
            {
                SendRefusal(EAGAIN, BusyReason);
                return ServeOutcome.Finished;
            }

            var policy = _handler.CurrentPolicy;
            var peer = _identities.Read(_fd, _credentials, _pidfd, policy);
            handled = _handler.Handle(policy, peer, message, _payload.AsSpan(0, Math.Min(message.Length, _payload.Length)), _pidfd);
        }
        finally
        {
            // Every descriptor a client sends is closed here, used or not, whatever went wrong.
            foreach (var fd in message.Fds)
            {
                fd.Dispose();
            }
        }

        bool sent;
        try
        {
            ReplyCodec.Encode(handled.Reply, _reply);
            sent = TrySend(_reply, handled.Socket);
        }
        finally
        {
            handled.Socket?.Dispose();
            _handler.Released(handled);
        }

        if (!sent)
        {
            return ServeOutcome.ReplyWouldBlock;
        }

        if (handled.Detail is not null && !TrySend(handled.Detail, null))
        {
            return ServeOutcome.ReplyWouldBlock;
        }

        return handled.CloseConnection ? ServeOutcome.Finished : ServeOutcome.Waiting;
    }

    /// <summary>The reason given to a client the broker cannot identify for lack of file descriptors.</summary>
    public const string BusyReason = "the broker is out of file descriptors (RLIMIT_NOFILE) and cannot identify this client now; retry shortly";

    // MSG_DONTWAIT: a reply that finds no room means the client is not reading; waiting for it would hold this thread.
    private bool TrySend(ReadOnlySpan<byte> payload, SafeHandle? fd)
    {
        try
        {
            UnixMessage.Send(Handle, payload, fd, MSG_DONTWAIT);
            return true;
        }
        catch (SystemCallException e) when (e.ErrorNumber == EAGAIN)
        {
            return false;
        }
    }

    private bool DescriptorsExhausted()
    {
        // A probe for a free descriptor, not a copy to keep: the errno is the answer, so no handle is made.
        int probe = fcntl(_fd, F_DUPFD_CLOEXEC, 0);
        if (probe >= 0)
        {
            new SafeFdHandle(probe).Dispose();
            return false;
        }

        return Marshal.GetLastPInvokeError() is EMFILE or ENFILE;
    }

    public void Dispose()
    {
        _pidfd?.Dispose();
        _fd.Dispose();
    }
}
