using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Client.Interop;

namespace Privport.Broker;

/// <summary>
/// Owns the broker's listening socket: creates it (mode 0666 — anyone may ask, the policy decides), accepts
/// connections and gives each its own <see cref="BrokerConnection"/>, and removes the socket file on stop.
/// </summary>
internal sealed class BrokerServer : IDisposable
{
    private readonly BrokerOptions _options;
    private readonly RequestHandler _handler;
    private readonly PeerIdentityReader _identities;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<uint, int> _connectionsPerUid = new();
    private readonly SemaphoreSlim _connectionSlots;
    private Socket? _listener;

    public BrokerServer(BrokerOptions options, RequestHandler handler, PeerIdentityReader identities, ILogger logger)
    {
        _options = options;
        _handler = handler;
        _identities = identities;
        _logger = logger;
        _connectionSlots = new SemaphoreSlim(options.MaxConnections);
    }

    /// <summary>Creates the listening socket; throws <see cref="BrokerStartException"/> saying why it cannot.</summary>
    public void Start()
    {
        _listener = ListeningSocket.Create(_options.SocketPath);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var listener = _listener ?? throw new InvalidOperationException("Start the server before running it");
        var connections = new List<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await _connectionSlots.WaitAsync(stopping);
                Socket accepted;
                try
                {
                    accepted = await listener.AcceptAsync(stopping);
                }
                catch
                {
                    _connectionSlots.Release();
                    throw;
                }

                connections.RemoveAll(task => task.IsCompleted);
                connections.Add(ServeAsync(accepted, stopping));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await Task.WhenAll(connections);
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

        _connectionSlots.Dispose();
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        await Task.Yield();
        var credentials = PeerIdentityReader.ReadCredentials(socket);
        int open = _connectionsPerUid.AddOrUpdate(credentials.uid, 1, (_, count) => count + 1);
        try
        {
            if (open > _options.MaxConnectionsPerUid)
            {
                BrokerLog.TooManyConnections(_logger, credentials.uid, open - 1);
                return;
            }

            await new BrokerConnection(socket, _handler, _identities, _options.ClientTimeout, _logger).RunAsync(credentials, stopping);
        }
        catch (Exception e) when (e is SocketException or SystemCallException or IOException or ObjectDisposedException)
        {
            BrokerLog.ConnectionFailed(_logger, credentials.pid, credentials.uid, e.Message);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            _connectionsPerUid.AddOrUpdate(credentials.uid, 0, (_, count) => count - 1);
            socket.Dispose();
            _connectionSlots.Release();
        }
    }
}
