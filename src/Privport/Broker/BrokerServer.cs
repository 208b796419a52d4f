using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Owns the broker's listening socket: creates it (mode 0666 — anyone may ask, the policy decides), accepts on a few
/// dedicated threads that serve queued requests at once, parks connections with nothing queued in
/// <see cref="WaitingConnections"/>, and removes the socket file on stop. Under socket activation it serves the
/// socket systemd passed and leaves its file alone: systemd owns it and keeps listening after the broker stops.
/// </summary>
internal sealed class BrokerServer : IDisposable
{
    private readonly BrokerOptions _options;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, int> _connectionsPerUid = new();
    private readonly WaitingConnections _waiting;
    private int _connections;
    private volatile bool _stopping;
    private Socket? _listener;
    private bool _inherited;
    private string _listenPath;

    public BrokerServer(BrokerOptions options, RequestHandler handler, PeerIdentityReader identities, ILogger logger)
    {
        _options = options;
        _handler = handler;
        _identities = identities;
        _logger = logger;
        _waiting = new WaitingConnections(options.ClientTimeout, Finish, logger);
        _listenPath = options.SocketPath;
    }

    /// <summary>Where clients connect: the --socket path, or the inherited socket's own path.</summary>
    public string ListenPath => _listenPath;

    /// <summary>Whether the socket came from the service manager (LISTEN_FDS) rather than from this process.</summary>
    public bool SocketActivated => _inherited;

    /// <summary>Creates the listening socket; throws <see cref="BrokerStartException"/> saying why it cannot.</summary>
    public void Start()
    {
        if (InheritedListener.Adopt() is { } inherited)
        {
            _listener = inherited;
            _inherited = true;
            _listenPath = InheritedListener.PathOf(inherited);
            return;
        }

        _listener = ListeningSocket.Create(_options.SocketPath);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var listener = _listener ?? throw new InvalidOperationException("Start the server before running it");
        int count = Math.Max(8, 4 * Environment.ProcessorCount);
        var threads = new List<Thread>();
        for (int i = 0; i < count; i++)
        {
            threads.Add(StartThread(() => AcceptLoop(listener), $"privport-accept-{i}"));
        }

        threads.Add(StartThread(() => _waiting.Run(() => _stopping), "privport-waiting"));
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping = true;
        WakeAcceptors(listener, count);
        await Task.Run(() => threads.ForEach(thread => thread.Join()), CancellationToken.None);
        if (_inherited)
        {
            DrainWakeConnections(listener, count);
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
        while (!_stopping && AcceptOne(listener) is { } fd)
        {
            if (_stopping)
            {
                fd.Dispose();
                return;
            }

            try
            {
                Serve(fd);
            }
            catch (SystemCallException e)
            {
                BrokerLog.AcceptedConnectionFailed(_logger, e.Message);
            }
        }
    }

    private SafeFdHandle? AcceptOne(Socket listener)
    {
        if (_waiting.NeedsHelp)
        {
            _waiting.ServeReady();
        }

        return NativeSocket.Accept(listener.SafeHandle);
    }

    private void Serve(SafeFdHandle fd)
    {
        ucred credentials;
        try
        {
            credentials = NativeSocket.PeerCredentials(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }

        var connection = new BrokerConnection(fd, credentials, _handler, _identities, _logger);
        Interlocked.Increment(ref _connections);
        int open = _connectionsPerUid.AddOrUpdate(credentials.uid, 1, (_, count) => count + 1);
        bool waiting = false;
        try
        {
            if (open > _options.MaxConnectionsPerUid)
            {
                // Connections whose client already hung up still count until they are reaped.
                open -= _waiting.CountHungUp(credentials.uid);
            }

            if (open > _options.MaxConnectionsPerUid || Volatile.Read(ref _connections) > _options.MaxConnections)
            {
                BrokerLog.TooManyConnections(_logger, credentials.uid, open - 1);
                connection.Refuse(EAGAIN, open > _options.MaxConnectionsPerUid
                    ? $"uid {credentials.uid} has {open - 1} connections to the broker open, the most one uid may; close some and retry"
                    : "the broker is serving as many connections as it may; retry shortly");
                return;
            }

            if (connection.ServeQueued())
            {
                _waiting.Add(connection);
                waiting = true;
            }
        }
        catch (Exception e) when (e is SystemCallException or IOException)
        {
            BrokerLog.ConnectionFailed(_logger, credentials.pid, credentials.uid, e.Message);
        }
        finally
        {
            if (!waiting)
            {
                Finish(connection);
            }
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
            }
        }
    }
}
