using System.Net.Sockets;
using Privport.Interop;
using Privport.Protocol;
using static Privport.Interop.Interop.Libc;

namespace Privport.Client;

/// <summary>
/// Asks the privport broker for sockets on privileged ports. Each call opens its own connection, so one
/// instance may be shared by any number of threads.
/// </summary>
public sealed class PrivportClient
{
    /// <summary>Where the broker listens unless PRIVPORT_SOCKET or a path says otherwise.</summary>
    public const string DefaultSocketPath = "/run/privport/broker.sock";

    /// <summary>The environment variable naming the broker's socket.</summary>
    public const string SocketEnvironmentVariable = "PRIVPORT_SOCKET";

    /// <summary>Creates a client for the broker at <paramref name="socketPath"/>, else $PRIVPORT_SOCKET, else the default path.</summary>
    public PrivportClient(string? socketPath = null)
    {
        SocketPath = !string.IsNullOrEmpty(socketPath) ? socketPath
            : Environment.GetEnvironmentVariable(SocketEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : DefaultSocketPath;
    }

    /// <summary>The broker's socket path.</summary>
    public string SocketPath { get; }

    /// <summary>
    /// How long one call may take in all: connecting (a busy broker's backlog may be full), sending and waiting for the
    /// reply. Past it the call fails with a <see cref="PrivportException"/> whose errno is ETIMEDOUT. Default 5 seconds.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Has the broker create a socket, set <paramref name="flags"/>, bind it to <paramref name="endpoint"/> and hand
    /// it over (OPEN). A TCP socket arrives listening (backlog 4096); <see cref="Socket.Listen(int)"/> sets another
    /// backlog. The socket is the broker's, so <see cref="BindOptions.ReusePort"/> and a caller in another network
    /// namespace than the broker's are granted only by a rule that opts in (docs/policy.md).
    /// </summary>
    /// <exception cref="PrivportException">The policy denied the endpoint, the bind failed, or no broker answered.</exception>
    public async Task<Socket> BindAsync(Endpoint endpoint, BindOptions flags = BindOptions.None, CancellationToken cancellationToken = default)
    {
        using var fd = await OpenAsync(endpoint, flags, cancellationToken);
        return fd.ToSocket();
    }

    /// <summary>
    /// As <see cref="BindAsync"/>, but hands over the bare descriptor, for servers that take one (Kestrel's
    /// <c>ListenHandle</c>). The descriptor is close-on-exec and the caller's to close.
    /// </summary>
    /// <exception cref="PrivportException">The policy denied the endpoint, the bind failed, or no broker answered.</exception>
    public async Task<int> BindDescriptorAsync(Endpoint endpoint, BindOptions flags = BindOptions.None, CancellationToken cancellationToken = default)
    {
        using var fd = await OpenAsync(endpoint, flags, cancellationToken);
        int descriptor = fd.Fd;
        fd.SetHandleAsInvalid();
        return descriptor;
    }

    /// <summary>
    /// Has the broker bind a socket the application created (BIND), keeping every option already set on it.
    /// .NET's <see cref="Socket"/> cannot learn of a bind made outside it, so <paramref name="socket"/> is disposed and
    /// a new <see cref="Socket"/> over the same, now bound, socket is returned.
    /// </summary>
    /// <exception cref="PrivportException">The policy denied the endpoint, the bind failed, or no broker answered.</exception>
    public async Task<Socket> BindSocketAsync(Socket socket, Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var request = new BrokerRequest(BrokerOp.Bind, endpoint, BindOptions.None, (uint)endpoint.Address.ScopeIdOrZero());
        var (reply, fd) = await BrokerExchange.RunAsync(SocketPath, request, socket.SafeHandle, Timeout, cancellationToken);
        fd?.Dispose();
        ThrowIfFailed(reply, endpoint);
        using var duplicate = SafeFdHandle.DuplicateCloseOnExec(socket.SafeHandle);
        socket.Dispose();
        return duplicate.ToSocket();
    }

    /// <summary>Asks whether the calling process may bind <paramref name="endpoint"/>; nothing is bound (QUERY).</summary>
    public async Task<PrivportDecision> QueryAsync(Endpoint endpoint, BindOptions flags = BindOptions.None, CancellationToken cancellationToken = default)
    {
        var request = new BrokerRequest(BrokerOp.Query, endpoint, flags, (uint)endpoint.Address.ScopeIdOrZero());
        var (reply, fd) = await BrokerExchange.RunAsync(SocketPath, request, fd: null, Timeout, cancellationToken);
        fd?.Dispose();
        if (reply.Decision == ReplyDecision.None)
        {
            ThrowIfFailed(reply, endpoint);
        }

        return new PrivportDecision(reply.Decision == ReplyDecision.Allow, reply.Reason);
    }

    /// <summary>The broker's counters (STATUS).</summary>
    public async Task<BrokerCounters> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var (reply, fd) = await BrokerExchange.RunAsync(SocketPath, BrokerRequest.Status(), fd: null, Timeout, cancellationToken);
        fd?.Dispose();
        if (reply.Status != 0)
        {
            throw new PrivportException(
                $"privport broker {SocketPath} refused STATUS: {reply.Reason} ({Errno.Describe(reply.Status)})",
                reply.Status, reply.Decision, reply.Reason);
        }

        return reply.Counters;
    }

    /// <summary>
    /// The broker's detailed status: version, policy files and load time, counters per rule, the last denials.
    /// Against a broker that predates STATUS_DETAIL, returns null; use <see cref="GetStatusAsync"/> then.
    /// </summary>
    public async Task<BrokerStatusDetail?> GetStatusDetailAsync(CancellationToken cancellationToken = default)
    {
        var (reply, json) = await StatusDetailExchange.RunAsync(SocketPath, Timeout, cancellationToken);
        if (reply.Status == EINVAL && json is null)
        {
            return null;
        }

        if (reply.Status != 0 || json is null)
        {
            throw new PrivportException(
                $"privport broker {SocketPath} refused STATUS_DETAIL: {reply.Reason} ({Errno.Describe(reply.Status)})",
                reply.Status, reply.Decision, reply.Reason);
        }

        return new BrokerStatusDetail(reply.Counters, json);
    }

    private async Task<SafeFdHandle> OpenAsync(Endpoint endpoint, BindOptions flags, CancellationToken cancellationToken)
    {
        var request = new BrokerRequest(BrokerOp.Open, endpoint, flags, (uint)endpoint.Address.ScopeIdOrZero());
        var (reply, fd) = await BrokerExchange.RunAsync(SocketPath, request, fd: null, Timeout, cancellationToken);
        if (reply.Status == 0 && fd is not null)
        {
            return fd;
        }

        using (fd)
        {
            ThrowIfFailed(reply, endpoint);
            throw new PrivportException($"the broker granted {endpoint} but sent no socket", EINVAL, reply.Decision, reply.Reason);
        }
    }

    private void ThrowIfFailed(in BrokerReply reply, Endpoint endpoint)
    {
        if (reply.Status == 0)
        {
            return;
        }

        string what = reply.Decision == ReplyDecision.Deny ? "denied" : "failed";
        throw new PrivportException(
            $"privport broker {SocketPath} {what} {endpoint}: {reply.Reason} ({Errno.Describe(reply.Status)})",
            reply.Status, reply.Decision, reply.Reason);
    }
}
