using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>
/// One client connection and its backend connection, joined by two pipes: bytes move socket → pipe → socket with
/// splice(2) and never enter this process. Each direction ends on its own: end of stream from one side is passed on
/// as shutdown(SHUT_WR) to the other once the pipe is empty (half-close), and a reset on one side becomes a reset on
/// the other. Level-triggered epoll: a socket is watched for input while its pipe has room and for output while the
/// pipe towards it holds bytes, so a slow side stops reading from the fast one instead of growing a buffer.
/// </summary>
internal sealed class TcpConnection
{
    private const int MaxRounds = 4;

    private readonly Epoll _epoll;
    private readonly ForwarderStatistics _statistics;
    private readonly PipePool _pipes;
    private readonly byte[] _smallBuffer;
    private SplicePipe? _upstream;
    private SplicePipe? _downstream;
    private readonly byte[] _clientAddress;
    private int _clientInterest;
    private int _backendInterest;
    private bool _connected;
    private bool _clientEnded;
    private bool _backendEnded;
    private bool _clientShutDown;
    private bool _backendShutDown;
    private bool _closed;

    public TcpConnection(
        Epoll epoll, ForwarderStatistics statistics, ListenerSlot listener, SafeFdHandle client, ReadOnlySpan<byte> clientAddress,
        PipePool pipes, byte[] smallBuffer, ulong clientKey, ulong backendKey, long now)
    {
        _epoll = epoll;
        _statistics = statistics;
        Listener = listener;
        Client = client;
        _clientAddress = clientAddress.ToArray();
        _pipes = pipes;
        _smallBuffer = smallBuffer;
        ClientKey = clientKey;
        BackendKey = backendKey;
        LastActive = now;
        Backend = NonblockingIo.CreateSocket(SocketAddressBytes.Family(listener.Rule.Target), SOCK_STREAM);
    }

    public ListenerSlot Listener { get; }

    public SafeFdHandle Client { get; }

    public SafeFdHandle Backend { get; }

    public ulong ClientKey { get; }

    public ulong BackendKey { get; }

    /// <summary>Environment.TickCount64 when bytes last moved (or the connection opened).</summary>
    public long LastActive { get; private set; }

    public bool Connected => _connected;

    /// <summary>The errno of a failed backend connect, for the log line.</summary>
    public int UnreachableErrno { get; private set; }

    /// <summary>The client as <c>address:port</c>, for log lines.</summary>
    public string ClientName => SocketAddressBytes.ToEndPoint(_clientAddress)?.ToString() ?? "?";

    /// <summary>Starts the nonblocking connect to the backend and watches both sockets.</summary>
    public ConnectionState Start()
    {
        NonblockingIo.NoDelay(Client);
        int result = NonblockingIo.Connect(Backend, Listener.TargetAddress);
        if (result != 0 && result != -EINPROGRESS)
        {
            return Unreachable(-result);
        }

        _clientInterest = EPOLLIN;
        _epoll.Add(Client, _clientInterest, ClientKey);
        _backendInterest = EPOLLOUT;
        _epoll.Add(Backend, _backendInterest, BackendKey);
        return result == 0 ? OnConnected(NowMilliseconds()) : ConnectionState.Open;
    }

    public ConnectionState OnClientEvent(int events, long now)
    {
        if ((events & EPOLLERR) != 0)
        {
            return Fail(clientFailed: true);
        }

        var state = Pump(clientReadable: (events & (EPOLLIN | EPOLLHUP)) != 0, backendReadable: false, now);
        return state == ConnectionState.Open && (events & EPOLLHUP) != 0 && _clientInterest == 0 ? CloseBoth(reset: false) : state;
    }

    public ConnectionState OnBackendEvent(int events, long now)
    {
        if (!_connected)
        {
            int error = NonblockingIo.PendingError(Backend);
            if (error != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0)
            {
                return Unreachable(error != 0 ? error : ECONNREFUSED);
            }

            return OnConnected(now);
        }

        if ((events & EPOLLERR) != 0)
        {
            return Fail(clientFailed: false);
        }

        var state = Pump(clientReadable: false, backendReadable: (events & (EPOLLIN | EPOLLHUP)) != 0, now);
        return state == ConnectionState.Open && (events & EPOLLHUP) != 0 && _backendInterest == 0 ? CloseBoth(reset: false) : state;
    }

    /// <summary>The backend did not answer in time.</summary>
    public ConnectionState ConnectTimedOut() => Unreachable(ETIMEDOUT);

    /// <summary>Idle too long, or the drain deadline passed: both sides are reset.</summary>
    public void Abort() => CloseBoth(reset: true);

    private ConnectionState OnConnected(long now)
    {
        _connected = true;
        NonblockingIo.NoDelay(Backend);
        if (Listener.Rule.ProxyProtocol != ProxyProtocolVersion.None && !SendProxyHeader())
        {
            return Fail(clientFailed: false);
        }

        return Pump(clientReadable: false, backendReadable: false, now);
    }

    private bool SendProxyHeader()
    {
        var source = SocketAddressBytes.ToEndPoint(_clientAddress);
        var destination = NativeSocket.LocalEndPoint(Client);
        if (source is null || destination is null)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[ProxyHeader.MaxLength];
        int length = ProxyHeader.Write(Listener.Rule.ProxyProtocol, source, destination, header);

        // A new connection's send buffer is far larger than the header, so it is sent whole or not at all.
        return NonblockingIo.Send(Backend, header[..length]) == length;
    }

    private ConnectionState Pump(bool clientReadable, bool backendReadable, long now)
    {
        long upstreamMoved = 0;
        long downstreamMoved = 0;
        var upstream = Move(Client, Backend, ref _upstream, clientReadable, ref _clientEnded, ref _backendShutDown, ref upstreamMoved);
        if (upstream != Failure.None)
        {
            return Fail(clientFailed: upstream == Failure.Source);
        }

        var downstream = Move(Backend, Client, ref _downstream, backendReadable, ref _backendEnded, ref _clientShutDown, ref downstreamMoved);
        if (downstream != Failure.None)
        {
            return Fail(clientFailed: downstream == Failure.Destination);
        }

        if (upstreamMoved > 0)
        {
            _statistics.AddClientToBackend(upstreamMoved);
        }

        if (downstreamMoved > 0)
        {
            _statistics.AddBackendToClient(downstreamMoved);
        }

        if ((upstreamMoved | downstreamMoved) != 0)
        {
            LastActive = now;
        }

        if (_clientShutDown && _backendShutDown)
        {
            return CloseBoth(reset: false);
        }

        UpdateInterest();
        return ConnectionState.Open;
    }

    private Failure Move(SafeFdHandle source, SafeFdHandle destination, ref SplicePipe? pipe, bool readable, ref bool sourceEnded, ref bool destinationShutDown, ref long moved)
    {
        // A read that filled the pipe, fully flushed, may have left more behind: go round again rather than through
        // another epoll_wait. A short read ends it; level-triggered epoll reports whatever arrives after.
        bool bulk = false;
        for (int round = 0; round < MaxRounds; round++)
        {
            nint read = 0;
            int space;
            if (pipe is null && !bulk && readable && !sourceEnded && _connected)
            {
                // Nothing in flight this way: read into the loop's buffer and send straight on (see SmallTransfer), at
                // most what the pipe that would take an unsent rest can hold.
                space = Math.Min(_smallBuffer.Length, _pipes.NextCapacity(unknown: _smallBuffer.Length));
                read = NonblockingIo.Receive(source, _smallBuffer.AsSpan(0, space));
                if (read == 0)
                {
                    sourceEnded = true;
                }
                else if (read < 0)
                {
                    if (read != -EAGAIN)
                    {
                        return Failure.Source;
                    }
                }
                else if (SmallTransfer(destination, (int)read, ref pipe, ref moved) is var failure && failure != Failure.None)
                {
                    return failure;
                }
                else
                {
                    bulk = read == space;
                }
            }
            else
            {
                space = pipe is null ? int.MaxValue : pipe.Capacity - pipe.Buffered;
                if (readable && !sourceEnded && space > 0)
                {
                    pipe ??= _pipes.Rent();
                    space = pipe.Capacity - pipe.Buffered;
                    read = NonblockingIo.Splice(source, pipe.WriteEnd, space);
                    if (read > 0)
                    {
                        pipe.Buffered += (int)read;
                    }
                    else if (read == 0)
                    {
                        sourceEnded = true;
                    }
                    else if (read != -EAGAIN)
                    {
                        return Failure.Source;
                    }
                }

                if (pipe is { Buffered: > 0 } && _connected)
                {
                    nint written = NonblockingIo.Splice(pipe.ReadEnd, destination, pipe.Buffered);
                    if (written > 0)
                    {
                        pipe.Buffered -= (int)written;
                        moved += written;
                    }
                    else if (written != -EAGAIN)
                    {
                        return Failure.Destination;
                    }
                }
            }

            if (pipe is { Buffered: 0 })
            {
                _pipes.Return(pipe);
                pipe = null;
            }

            // A full read means more is waiting, and it is bulk: the next round splices (the pipe is taken then).
            if (read < space || pipe is not null)
            {
                break;
            }
        }

        if (sourceEnded && pipe is null && _connected && !destinationShutDown)
        {
            destinationShutDown = true;
            if (NonblockingIo.ShutdownWrite(destination) != 0)
            {
                return Failure.Destination;
            }
        }

        return Failure.None;
    }

    /// <summary>
    /// Sends <paramref name="count"/> bytes just read into the loop's buffer. For a request or a response of up to a
    /// few tens of kilobytes, recv and send cost less than splicing through a pipe (whose page moves only pay off in
    /// bulk, where HAProxy's splice-auto also draws the line). What the destination does not take now goes into a
    /// pipe and follows the splice path.
    /// </summary>
    private Failure SmallTransfer(SafeFdHandle destination, int count, ref SplicePipe? pipe, ref long moved)
    {
        nint sent = NonblockingIo.Send(destination, _smallBuffer.AsSpan(0, count));
        if (sent < 0 && sent != -EAGAIN)
        {
            return Failure.Destination;
        }

        int done = sent > 0 ? (int)sent : 0;
        moved += done;
        if (done < count)
        {
            pipe = _pipes.Rent();
            nint kept = NonblockingIo.Write(pipe.WriteEnd, _smallBuffer.AsSpan(done, count - done));

            // The read took no more than this pipe holds (PipePool.NextCapacity): a short write cannot happen.
            if (kept != count - done)
            {
                return Failure.Destination;
            }

            pipe.Buffered = count - done;
        }

        return Failure.None;
    }

    private void UpdateInterest()
    {
        int client = (!_clientEnded && HasRoom(_upstream) ? EPOLLIN : 0) | (_downstream is not null ? EPOLLOUT : 0);
        int backend = !_connected ? EPOLLOUT
            : (!_backendEnded && HasRoom(_downstream) ? EPOLLIN : 0) | (_upstream is not null ? EPOLLOUT : 0);
        if (client != _clientInterest)
        {
            _clientInterest = client;
            _epoll.Modify(Client, client, ClientKey);
        }

        if (backend != _backendInterest)
        {
            _backendInterest = backend;
            _epoll.Modify(Backend, backend, BackendKey);
        }
    }

    // A connection holds a pipe only while it holds bytes (see PipePool).
    private static bool HasRoom(SplicePipe? pipe) => pipe is null || pipe.Buffered < pipe.Capacity;

    private ConnectionState Fail(bool clientFailed)
    {
        if (clientFailed)
        {
            _statistics.CountClientError();
        }
        else
        {
            _statistics.CountBackendError();
        }

        // The side that failed is gone or broken; the other learns of it the same way, as a reset.
        return CloseBoth(reset: true);
    }

    private ConnectionState Unreachable(int errno)
    {
        UnreachableErrno = errno;
        _statistics.CountBackendUnreachable();
        CloseBoth(reset: true);
        return ConnectionState.BackendUnreachable;
    }

    private ConnectionState CloseBoth(bool reset)
    {
        if (!_closed)
        {
            _closed = true;
            if (reset)
            {
                NonblockingIo.ResetOnClose(Client);
                NonblockingIo.ResetOnClose(Backend);
            }

            // close(2) also removes each descriptor from the epoll set.
            Client.Dispose();
            Backend.Dispose();
            if (_upstream is not null)
            {
                _pipes.Return(_upstream);
                _upstream = null;
            }

            if (_downstream is not null)
            {
                _pipes.Return(_downstream);
                _downstream = null;
            }
        }

        return ConnectionState.Closed;
    }

    private static long NowMilliseconds() => Environment.TickCount64;

    private enum Failure
    {
        None,
        Source,
        Destination,
    }
}
