using System.Diagnostics;
using System.Globalization;
using Privport.Client;
using Privport.Interop;
using Privport.Protocol;
using Privport.Policy;
using static Privport.Interop.Interop.Libc;
using Privport.Sockets;

namespace Privport.Broker;

/// <summary>
/// Turns one received datagram into one reply: validate every field, decide, bind, audit. The only code that acts
/// with the broker's privilege; it never blocks and never trusts what the client says about itself.
/// </summary>
internal sealed class RequestHandler
{
    private readonly PolicyStore _policy;
    private readonly AuditLog _audit;
    private readonly BrokerStatistics _statistics;
    private readonly TimeProvider _clock;
    private readonly HandedOverPorts _handedOver = new();

    // Where OPEN sockets are made: a peer connecting from another namespace would get a socket of this one.
    private readonly ulong? _networkNamespace = NetworkNamespace.CookieOfCurrent();

    /// <summary>Whether the listening socket came from systemd; STATUS_DETAIL reports it.</summary>
    public bool SocketActivated { get; set; }

    /// <summary>The kernel grants kept in step with the policy; STATUS_DETAIL reports them. Null: not kept.</summary>
    public KernelGrants? KernelGrants { get; set; }

    /// <summary>Where KERNEL_ENROL requests are served; null answers them EOPNOTSUPP.</summary>
    public KernelEnrolments? KernelEnrolments { get; set; }

    public RequestHandler(PolicyStore policy, AuditLog audit, BrokerStatistics statistics, TimeProvider clock)
    {
        _policy = policy;
        _audit = audit;
        _statistics = statistics;
        _clock = clock;
    }

    /// <summary>
    /// The policy in force now. A caller takes it once per request and passes it back to <see cref="Handle"/>, so the
    /// identity it reads (groups only when this policy names groups) and the decision come from the same policy
    /// even if a reload swaps it in between.
    /// </summary>
    public PortPolicy CurrentPolicy => _policy.Current;

    /// <param name="peer">The sender, as the kernel reports it.</param>
    /// <param name="message">The datagram's shape; the caller closes its fds after this returns.</param>
    /// <param name="payload">The datagram's bytes.</param>
    /// <param name="peerPidFd">The peer's pidfd, which KERNEL_ENROL needs to know the pid still names the peer.</param>
    public HandledRequest Handle(PortPolicy policy, PeerIdentity peer, in ReceivedMessage message, ReadOnlySpan<byte> payload, SafeFdHandle? peerPidFd = null)
    {
        long started = Stopwatch.GetTimestamp();
        _statistics.CountRequest();
        if (message.Truncated)
        {
            return Malformed(peer, BrokerOp.Query, $"request is longer than {WireFormat.RequestSize} bytes");
        }

        if (message.ControlTruncated)
        {
            return Malformed(peer, BrokerOp.Query, "control data truncated: a request carries at most one socket");
        }

        if (!RequestCodec.TryDecode(payload, out var request, out string? problem))
        {
            return Malformed(peer, BrokerOp.Query, problem);
        }

        int expectedFds = request.Op == BrokerOp.Bind ? 1 : 0;
        if (message.Fds.Length != expectedFds)
        {
            return Malformed(peer, request.Op, request.Op == BrokerOp.Bind
                ? $"BIND carries exactly one socket; this request carried {message.Fds.Length}"
                : $"{request.Op.Name()} carries no descriptor; this request carried {message.Fds.Length}");
        }

        if (request.Op == BrokerOp.Status)
        {
            var counters = _statistics.Snapshot(policy.Rules.Length);
            return new HandledRequest(
                new BrokerReply(BrokerOp.Status, 0, ReplyDecision.None, 0, $"policy {_policy.Path}: {policy.Rules.Length} rules", counters),
                null, CloseConnection: false);
        }

        if (request.Op == BrokerOp.StatusDetail)
        {
            var counters = _statistics.Snapshot(policy.Rules.Length);
            return new HandledRequest(
                new BrokerReply(BrokerOp.StatusDetail, 0, ReplyDecision.None, 0, $"policy {_policy.Path}: {policy.Rules.Length} rules", counters),
                null, CloseConnection: false, StatusDetailWriter.Write(_statistics, _policy, SocketActivated, peer.Uid, KernelGrants, KernelEnrolments));
        }

        if (request.Op == BrokerOp.KernelEnrol)
        {
            return Enrol(policy, peer, peerPidFd);
        }

        return Decide(policy, peer, request, request.Op == BrokerOp.Bind ? message.Fds[0] : null, started);
    }

    private HandledRequest Decide(PortPolicy policy, PeerIdentity peer, in BrokerRequest request, SafeFdHandle? clientSocket, long started)
    {
        bool ipv6Only = request.Flags.HasFlag(BindOptions.V6Only);
        if (clientSocket is not null)
        {
            var inspection = SocketBinder.Inspect(clientSocket, request.Endpoint);
            if (!inspection.Usable)
            {
                return Malformed(peer, request.Op, inspection.Problem!, request.Endpoint);
            }

            ipv6Only = inspection.Ipv6Only;
        }

        // Only OPEN sockets are the broker's; a BIND socket keeps the client's uid and namespace, and with them the
        // kernel's own rules for SO_REUSEPORT groups.
        var terms = request.Op == BrokerOp.Open
            ? new OpenTerms(request.Flags.HasFlag(BindOptions.ReusePort), OtherNetworkNamespace: _networkNamespace is null || peer.NetworkNamespace != _networkNamespace)
            : default;
        var decision = policy.Decide(peer, request.Endpoint, ipv6Only, terms);
        if (!decision.Allowed)
        {
            _statistics.CountDenied(new RecentDenial(
                _clock.GetUtcNow(), request.Op.Name(), peer.Uid, peer.Pid, peer.Exe, request.Endpoint.ToString(), decision.NearestRuleId, decision.Reason));
            return Reply(peer, request, "deny", decision, EACCES, decision.Reason, null);
        }

        switch (request.Op)
        {
            case BrokerOp.Query:
                _statistics.CountGranted(request.Op.Name(), decision.RuleId, Stopwatch.GetElapsedTime(started));
                return Reply(peer, request, "allow", decision, 0, decision.Reason, null);
            case BrokerOp.Bind:
                var (bindErrno, problem) = decision.RequiresIPv6Only
                    ? SocketBinder.BindIPv6Only(clientSocket!, request.Endpoint, request.ScopeId, _networkNamespace)
                    : (SocketBinder.Bind(clientSocket!, request.Endpoint, request.ScopeId), null);
                return Granted(peer, request, decision, bindErrno, problem, null, started);
            default:
                var (opened, errno) = SocketBinder.Open(request.Endpoint, request.Flags, request.ScopeId);
                int retries = 0;
                while (errno == EADDRINUSE && _handedOver.MayBeOwnLeftover(request.Endpoint, ref retries))
                {
                    (opened, errno) = SocketBinder.Open(request.Endpoint, request.Flags, request.ScopeId);
                }

                if (opened is not null)
                {
                    _handedOver.Add(request.Endpoint);
                }

                return Granted(peer, request, decision, errno, null, opened, started);
        }
    }

    private HandledRequest Granted(PeerIdentity peer, in BrokerRequest request, Decision decision, int errno, string? problem, SafeFdHandle? socket, long started)
    {
        if (errno != 0)
        {
            _statistics.CountError(request.Op.Name());
            string reason = problem is null
                ? $"{decision.Reason}, but bind failed: {Errno.Describe(errno)}"
                : DenyReason.Fit($"bind failed: {problem} ({Errno.Describe(errno)}); {decision.Reason}");
            return Reply(peer, request, "allow", decision, errno, reason, null);
        }

        _statistics.CountGranted(request.Op.Name(), decision.RuleId, Stopwatch.GetElapsedTime(started));
        return Reply(peer, request, "allow", decision, 0, decision.Reason, socket);
    }

    private HandledRequest Reply(PeerIdentity peer, in BrokerRequest request, string outcome, Decision decision, int status, string reason, SafeFdHandle? socket)
    {
        _audit.Write(new AuditRecord(_clock.GetUtcNow(), request.Op, outcome, decision.RuleId, reason, status, peer, request.Endpoint));
        var replyDecision = decision.Allowed ? ReplyDecision.Allow : ReplyDecision.Deny;
        var reply = new BrokerReply(request.Op, status, replyDecision, status == 0 ? request.Endpoint.Port : (ushort)0, reason, default);
        return new HandledRequest(reply, socket, CloseConnection: false, OpenedFor: socket is not null && request.Op == BrokerOp.Open ? request.Endpoint : null);
    }

    private HandledRequest Enrol(PortPolicy policy, PeerIdentity peer, SafeFdHandle? pidfd)
    {
        var outcome = KernelEnrolments is { } enrolments
            ? enrolments.Enrol(policy, peer, pidfd)
            : new KernelEnrolmentOutcome(EOPNOTSUPP, "this broker does not enrol callers in kernel grants", []);
        string decision = outcome.Status switch
        {
            0 => "allow",
            EACCES => "deny",
            _ => "error",
        };
        if (outcome.Status == 0)
        {
            _statistics.CountGranted(BrokerOp.KernelEnrol.Name(), null, TimeSpan.Zero);
        }
        else if (outcome.Status == EACCES)
        {
            _statistics.CountDenied(new RecentDenial(_clock.GetUtcNow(), BrokerOp.KernelEnrol.Name(), peer.Uid, peer.Pid, peer.Exe, "kernel", null, outcome.Reason));
        }
        else
        {
            _statistics.CountError(BrokerOp.KernelEnrol.Name());
        }

        _audit.Write(new AuditRecord(_clock.GetUtcNow(), BrokerOp.KernelEnrol, decision, null, outcome.Reason, outcome.Status, peer, null));
        var reply = new BrokerReply(BrokerOp.KernelEnrol, outcome.Status, outcome.Status switch
        {
            0 => ReplyDecision.Allow,
            EACCES => ReplyDecision.Deny,
            _ => ReplyDecision.None,
        }, 0, outcome.Reason, default);
        return new HandledRequest(reply, null, CloseConnection: false, KernelEnrolmentDetail.Encode(outcome.Lines));
    }

    /// <summary>Called once the broker's copy of an OPEN socket is closed, sent or not.</summary>
    public void Released(in HandledRequest handled)
    {
        if (handled.OpenedFor is { } endpoint)
        {
            _handedOver.Remove(endpoint);
        }
    }

    private HandledRequest Malformed(PeerIdentity peer, BrokerOp op, string problem, Endpoint? endpoint = null)
    {
        _statistics.CountError(op.Name());
        string reason = $"invalid request: {problem}";
        _audit.Write(new AuditRecord(_clock.GetUtcNow(), op, "error", null, reason, EINVAL, peer, endpoint));
        return new HandledRequest(new BrokerReply(op, EINVAL, ReplyDecision.None, 0, reason, default), null, CloseConnection: true);
    }
}
