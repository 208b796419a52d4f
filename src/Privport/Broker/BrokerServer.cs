using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Broker;

/// <summary>
/// Owns the broker's listening socket: creates it (mode 0666 — anyone may ask, the policy decides), accepts on a few
/// dedicated threads that serve queued requests at once, hands waiting connections to async I/O, and removes the
/// socket file on stop.
/// </summary>
internal sealed class BrokerServer : IDisposable
{
    private readonly BrokerOptions _options;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, int> _connectionsPerUid = new();
    private readonly ConcurrentDictionary<BrokerConnection, Task> _waiting = new();
    // Long enough for a one-shot client to read its reply and hang up, short enough to keep accepting.
    private const int AcceptThreadLingerMilliseconds = 1;

    private int _connections;
    private int _idleAcceptors;
    private volatile bool _stopping;
    private Socket? _listener;

    public BrokerServer(BrokerOptions options, RequestHandler handler, PeerIdentityReader identities, ILogger logger)
    {
        _options = options;
        _handler = handler;
        _identities = identities;
        _logger = logger;
    }

    /// <summary>Creates the listening socket; throws <see cref="BrokerStartException"/> saying why it cannot.</summary>
    public void Start()
    {
        _listener = ListeningSocket.Create(_options.SocketPath);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var listener = _listener ?? throw new InvalidOperationException("Start the server before running it");
        int count = Math.Max(8, 4 * Environment.ProcessorCount);
        var acceptors = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            acceptors[i] = new Thread(() => AcceptLoop(listener, stopping))
            {
                IsBackground = true,
                Name = string.Create(CultureInfo.InvariantCulture, $"privport-accept-{i}"),
            };
            acceptors[i].Start();
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping = true;
        WakeAcceptors(listener, count);
        await Task.Run(() =>
        {
            foreach (var acceptor in acceptors)
            {
                acceptor.Join();
            }
        }, CancellationToken.None);
        await Task.WhenAll(_waiting.Values);
    }

    public void Dispose()
    {
        if (_listener is not null)
        {
            _listener.Dispose();
            _listener = null;
            ListeningSocket.Remove(_options.SocketPath);
            BrokerLog.Stopped(_logger, _options.SocketPath);
        }
    }

    private void AcceptLoop(Socket listener, CancellationToken stopping)
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
                Serve(fd, stopping);
            }
            catch (Exception e) when (e is SystemCallException or SocketException or IOException)
            {
                BrokerLog.ConnectionFailed(_logger, 0, 0, e.Message);
            }
        }
    }

    private SafeFdHandle? AcceptOne(Socket listener)
    {
        Interlocked.Increment(ref _idleAcceptors);
        try
        {
            return NativeSocket.Accept(listener.SafeHandle);
        }
        finally
        {
            Interlocked.Decrement(ref _idleAcceptors);
        }
    }

    private void Serve(SafeFdHandle fd, CancellationToken stopping)
    {
        var credentials = NativeSocket.PeerCredentials(fd);
        var connection = new BrokerConnection(fd, credentials, _handler, _identities, _logger);
        Interlocked.Increment(ref _connections);
        int open = _connectionsPerUid.AddOrUpdate(credentials.uid, 1, (_, count) => count + 1);
        bool waiting = false;
        try
        {
            if (open > _options.MaxConnectionsPerUid)
            {
                open -= HungUpConnections(credentials.uid);
            }

            if (open > _options.MaxConnectionsPerUid || Volatile.Read(ref _connections) > _options.MaxConnections)
            {
                BrokerLog.TooManyConnections(_logger, credentials.uid, open - 1);
                connection.Refuse(EAGAIN, open > _options.MaxConnectionsPerUid
                    ? $"uid {credentials.uid} has {open - 1} connections to the broker open, the most one uid may; close some and retry"
                    : "the broker is serving as many connections as it may; retry shortly");
                return;
            }

            // Linger only while another thread is free to accept, so waiting for a hang-up never delays a new client.
            int linger = Volatile.Read(ref _idleAcceptors) > 0 ? AcceptThreadLingerMilliseconds : 0;
            if (connection.ServeQueued(linger))
            {
                waiting = true;
                _waiting[connection] = WaitAsync(connection, stopping);
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

    // Connections whose client already hung up still count until their task reaps them; a uid at its limit is
    // judged by the ones really open.
    private int HungUpConnections(uint uid)
    {
        int hungUp = 0;
        foreach (var waiting in _waiting.Keys)
        {
            if (waiting.Credentials.uid == uid && waiting.PeerHungUp())
            {
                hungUp++;
            }
        }

        return hungUp;
    }

    private async Task WaitAsync(BrokerConnection connection, CancellationToken stopping)
    {
        await Task.Yield();
        try
        {
            await connection.WaitAndServeAsync(_options.ClientTimeout, stopping);
        }
        catch (Exception e) when (e is SocketException or SystemCallException or IOException or ObjectDisposedException)
        {
            BrokerLog.ConnectionFailed(_logger, connection.Credentials.pid, connection.Credentials.uid, e.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _waiting.TryRemove(connection, out _);
            Finish(connection);
        }
    }

    private void Finish(BrokerConnection connection)
    {
        _connectionsPerUid.AddOrUpdate(connection.Credentials.uid, 0, (_, count) => count - 1);
        Interlocked.Decrement(ref _connections);
        connection.Dispose();
    }

    // A thread blocked in accept(2) on an AF_UNIX socket is not woken by close(2); a connection wakes it.
    private void WakeAcceptors(Socket listener, int count)
    {
        NativeSocket.Shutdown(listener.SafeHandle);
        for (int i = 0; i < count; i++)
        {
            try
            {
                using var wake = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
                wake.Connect(new UnixDomainSocketEndPoint(_options.SocketPath));
            }
            catch (SocketException)
            {
            }
        }
    }
}
