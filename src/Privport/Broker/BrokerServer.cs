using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Logging;
using static Privport.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Owns the broker's listening socket: creates it (mode 0666 — anyone may ask, the policy decides), accepts on a few
/// dedicated threads that serve a new connection's first turn at once, and serves later turns on a few more threads
/// that take ready connections from <see cref="ReadyConnections"/> in turn by uid. Every turn is a small budget of
/// requests and every reply is sent without waiting, so no client, however many connections it holds, can keep a
/// thread. Removes the socket file on stop. Under socket activation it serves the socket systemd passed and leaves its
/// file alone: systemd owns it and keeps listening after the broker stops.
/// </summary>
internal sealed class BrokerServer : IDisposable
{
    /// <summary>Requests served per connection per turn: enough for a client's request and its next, few enough that a
    /// client pipelining without pause waits behind everyone else after it.</summary>
    public const int RequestsPerTurn = 4;

    // Backstop only: accepted sockets are non-blocking and every send is MSG_DONTWAIT.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>How long accepting pauses after a failure the host, not the connection, causes (EMFILE, ENOBUFS, ...).</summary>
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(50);

    private readonly BrokerOptions _options;
    private ConnectionCaps _caps;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, int> _connectionsPerUid = new();
    private readonly ReadyConnections _ready = new();
    private readonly WaitingConnections _waiting;
    private readonly LogInterval _overflowLog = new(TimeSpan.FromSeconds(10));
    private readonly LogInterval _acceptLog = new(TimeSpan.FromSeconds(10));
    private readonly LogInterval _identifyLog = new(TimeSpan.FromSeconds(10));
    private int _connections;
    private volatile bool _stopping;
    private volatile bool _waitingStopping;
    private Socket? _listener;
    private bool _inherited;
    private string _listenPath;

    public BrokerServer(BrokerOptions options, RequestHandler handler, PeerIdentityReader identities, ILogger logger)
    {
        _options = options;
        _caps = options.Caps;
        _handler = handler;
        _identities = identities;
        _logger = logger;
        _waiting = new WaitingConnections(options.ClientTimeout, _ready, Finish, logger);
        _listenPath = options.SocketPath;
    }

    /// <summary>Where clients connect: the --socket path, or the inherited socket's own path.</summary>
    public string ListenPath => _listenPath;

    /// <summary>Whether the socket came from the service manager (LISTEN_FDS) rather than from this process.</summary>
    public bool SocketActivated => _inherited;

    /// <summary>The connection caps in force, once started.</summary>
    public ConnectionCaps Caps => _caps;

    /// <summary>
    /// Creates the listening socket and, unless given, sizes the connection caps to the descriptors left once it and
    /// everything else the broker keeps open exist; throws <see cref="BrokerStartException"/> saying why it cannot.
    /// </summary>
    public void Start()
    {
        if (InheritedListener.Adopt() is { } inherited)
        {
            _listener = inherited;
            _inherited = true;
            _listenPath = InheritedListener.PathOf(inherited);
        }
        else
        {
            _listener = ListeningSocket.Create(_options.SocketPath);
        }

        if (_caps == default)
        {
            _caps = ConnectionCaps.FromDescriptorLimit(FileDescriptorLimit.Current(), FileDescriptorLimit.CountOpen());
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var listener = _listener ?? throw new InvalidOperationException("Start the server before running it");
        int acceptors = Math.Max(8, 4 * Environment.ProcessorCount);
        int workers = Math.Clamp(Environment.ProcessorCount, 2, 8);
        var accepting = new List<Thread>();
        for (int i = 0; i < acceptors; i++)
        {
            accepting.Add(StartThread(() => AcceptLoop(listener), $"privport-accept-{i}"));
        }

        var serving = new List<Thread>();
        for (int i = 0; i < workers; i++)
        {
            serving.Add(StartThread(ServeLoop, $"privport-serve-{i}"));
        }

        var waiting = StartThread(() => _waiting.Run(() => _waitingStopping), "privport-waiting");
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
            // The stop asked for: what follows is the shutdown.
        }

        _stopping = true;
        WakeAcceptors(listener, acceptors);
        await Task.Run(
            () =>
            {
                accepting.ForEach(thread => thread.Join());
                _ready.Stop(workers).ForEach(Finish);
                serving.ForEach(thread => thread.Join());
                _waitingStopping = true;
                waiting.Join();
            },
            CancellationToken.None);
        if (_inherited)
        {
            DrainWakeConnections(listener, acceptors);
        }
    }

    public void Dispose()
    {
        if (_listener is not null)
        {
            _listener.Dispose();
            _listener = null;
            if (_inherited)
            {
                BrokerLog.StoppedActivated(_logger, _listenPath);
            }
            else
            {
                ListeningSocket.Remove(_options.SocketPath);
                BrokerLog.Stopped(_logger, _options.SocketPath);
            }
        }

        _waiting.Dispose();
        _ready.Dispose();
    }

    // A wake connection no acceptor took would stay queued on systemd's socket and start the broker again at once.
    private static void DrainWakeConnections(Socket listener, int count)
    {
        listener.Blocking = false;
        for (int i = 0; i < count; i++)
        {
            try
            {
                using var pending = listener.Accept();
                if (NativeSocket.PeerCredentials(pending.SafeHandle).pid != Environment.ProcessId)
                {
                    // A client's, queued in the moment of stopping: it sees the connection close and retries.
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or SystemCallException)
            {
                return;
            }
        }
    }

    private static Thread StartThread(ThreadStart body, string name)
    {
        var thread = new Thread(body) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    private void AcceptLoop(Socket listener)
    {
        while (!_stopping)
        {
#pragma warning disable CA2000 // Each accepted descriptor is closed here when stopping, else Admit owns it (closing it when the peer cannot be read).
            var fd = NativeSocket.TryAccept(listener.SafeHandle, SOCK_NONBLOCK, out int errno);
#pragma warning restore CA2000
            if (fd is null)
            {
                if (errno is EINVAL or EBADF)
                {
                    return;
                }

                // The peer gave up between its connect and our accept: that one connection is gone, the next may be fine.
                if (errno is ECONNABORTED)
                {
                    continue;
                }

                // Anything else (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...) is the host's state, not the connection's: the
                // connection stays queued in the backlog, and retrying at once would spin a core until it changes.
                if (_acceptLog.TryEnter(out long suppressed))
                {
                    if (errno is EMFILE or ENFILE)
                    {
                        BrokerLog.AcceptOutOfDescriptors(_logger, Errno.Describe(errno), suppressed);
                    }
                    else
                    {
                        BrokerLog.AcceptFailing(_logger, Errno.Describe(errno), AcceptPause.TotalMilliseconds, suppressed);
                    }
                }

                Thread.Sleep(AcceptPause);
                continue;
            }

            if (_stopping)
            {
                fd.Dispose();
                return;
            }

            try
            {
                Admit(fd);
            }
            catch (SystemCallException e)
            {
                BrokerLog.AcceptedConnectionFailed(_logger, e.Message);
            }
        }
    }

    private void ServeLoop()
    {
        while (_ready.Take() is { } ready)
        {
            if (Turn(ready.Connection) && !_stopping)
            {
                _waiting.Return(ready);
            }
            else
            {
                Finish(ready.Connection);
            }
        }
    }

    private void Admit(SafeFdHandle fd)
    {
        ucred credentials;
        try
        {
            credentials = NativeSocket.PeerCredentials(fd);
            NativeSocket.SetTimeout(fd, SO_SNDTIMEO, SendTimeout);
        }
        catch
        {
            fd.Dispose();
            throw;
        }

#pragma warning disable CA2000 // The server owns each connection: it joins the waiting set, or Finish disposes it in the finally below.
        var connection = new BrokerConnection(fd, credentials, _handler, _identities);
#pragma warning restore CA2000
        int total = Interlocked.Increment(ref _connections);
        int open = _connectionsPerUid.AddOrUpdate(credentials.uid, 1, (_, count) => count + 1);
        bool waiting = false;
        try
        {
            if (open > _caps.PerUid)
            {
                // Connections whose client already hung up still count until they are reaped. The waiting thread reaps
                // while we look, so the count is read again afterwards; otherwise every connection reaped meanwhile
                // would count as open though gone (strict by hundreds under load), where now one reaped in that very
                // instant may be subtracted twice (lenient by a few).
                int hungUp = _waiting.CountHungUp(credentials.uid) + _ready.CountHungUp(credentials.uid);
                open = Math.Min(open, _connectionsPerUid.GetValueOrDefault(credentials.uid)) - hungUp;
            }

            int totalCap = _caps.Total + (credentials.uid == 0 ? _caps.RootReserve : 0);
            if (open > _caps.PerUid || total > totalCap)
            {
                BrokerLog.TooManyConnections(_logger, credentials.uid, open - 1);
                connection.Refuse(EAGAIN, open > _caps.PerUid
                    ? $"uid {credentials.uid} has {open - 1} connections to the broker open, the most one uid may; close some and retry"
                    : $"the broker is serving {total - 1} connections, as many as it may; retry shortly");
                return;
            }

            if (connection.OutOfDescriptors)
            {
                if (_identifyLog.TryEnter(out long suppressed))
                {
                    BrokerLog.IdentifyOutOfDescriptors(_logger, credentials.pid, credentials.uid, suppressed);
                }

                connection.Refuse(EAGAIN, BrokerConnection.BusyReason);
                return;
            }

            if (Turn(connection) && !_stopping)
            {
                _waiting.Add(connection);
                waiting = true;
            }
        }
        finally
        {
            if (!waiting)
            {
                Finish(connection);
            }
        }
    }

    /// <returns>True when the connection stays open for another turn.</returns>
    private bool Turn(BrokerConnection connection)
    {
        var credentials = connection.Credentials;
        try
        {
            var outcome = connection.Serve(RequestsPerTurn);
            if (outcome == ServeOutcome.ReplyWouldBlock && _overflowLog.TryEnter(out long suppressed))
            {
                BrokerLog.ReplyWouldBlock(_logger, credentials.pid, credentials.uid, suppressed);
            }

            return outcome == ServeOutcome.Waiting;
        }
        catch (Exception e) when (e is SystemCallException or IOException)
        {
            BrokerLog.ConnectionFailed(_logger, credentials.pid, credentials.uid, e.Message);
            return false;
        }
    }

    private void Finish(BrokerConnection connection)
    {
        _connectionsPerUid.AddOrUpdate(connection.Credentials.uid, 0, (_, count) => count - 1);
        Interlocked.Decrement(ref _connections);
        connection.Dispose();
    }

    // A thread blocked in accept(2) on an AF_UNIX socket is not woken by close(2); a connection wakes it.
    // An inherited socket is shared with systemd: shutting it down would stop systemd's listening too.
    private void WakeAcceptors(Socket listener, int count)
    {
        if (!_inherited)
        {
            NativeSocket.Shutdown(listener.SafeHandle);
        }

        for (int i = 0; i < count; i++)
        {
            try
            {
                using var wake = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
                wake.Connect(new UnixDomainSocketEndPoint(_listenPath));
            }
            catch (SocketException)
            {
                // The listener is already shut down or full: an acceptor still blocked sees the shutdown instead.
            }
        }
    }
}
