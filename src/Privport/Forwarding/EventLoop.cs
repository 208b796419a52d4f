using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Privport.Interop;
using Privport.Logging;
using static Privport.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>
/// One thread, one epoll set: accepts from every TCP listener (EPOLLEXCLUSIVE, so one loop wakes per connection) and
/// runs the connections the <see cref="ConnectionDistributor"/> gives it, accepted here or by another loop. Nothing
/// here allocates per read; a connection costs one object and its pipes.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    /// <summary>Empty pipes each loop keeps for reuse (<see cref="DescriptorBudget"/> counts them).</summary>
    public const int PooledPipes = 16;

    private const int PipeSize = 1024 * 1024;
    private const int AcceptBatch = 64;
    // Holds a 16 KB response with its headers, or a full TLS record (16 KiB of plaintext and its overhead), in one
    // recv and one send; at 16 KiB such a message left a few hundred bytes for a pipe, two more splices each time.
    private const int SmallTransferSize = 32 * 1024;
    private const int WaitMilliseconds = 200;
    private const long SweepMilliseconds = 250;
    private const int AcceptPauseMilliseconds = 100;
    private static readonly long ConnectTimeoutMilliseconds = 10_000;

    private const ulong KindListener = 1;
    private const ulong KindClient = 2;
    private const ulong KindBackend = 3;
    private const ulong KindUdp = 4;
    private const ulong KindHandOver = 5;

    private readonly Epoll _epoll = new();
    private readonly PipePool _pipes = new(PipeSize, PooledPipes);

    // Shared by this loop's connections for the read-and-send path of small transfers; never holds bytes between calls.
    private readonly byte[] _smallBuffer = GC.AllocateUninitializedArray<byte>(SmallTransferSize, pinned: true);
    private readonly IReadOnlyList<ListenerSlot> _listeners;
    private readonly LogInterval[] _unreachableLog;
    private readonly LogInterval[] _limitLog;
    private readonly LogInterval[] _acceptLog;
    private readonly LogInterval _descriptorLog = new(TimeSpan.FromSeconds(1));
    private readonly ForwardSettings _settings;
    private readonly ConnectionBudget _budget;
    private readonly ConnectionDistributor _distributor;
    private readonly int _index;
    private readonly ILogger _logger;
    private readonly UdpRelay? _udp;
    private readonly List<TcpConnection?> _connections = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly ManualResetEventSlim _listenersReleased = new();
    private readonly long _idleMilliseconds;
    private uint _generation;
    private long _nextSweep;
    private volatile bool _draining;
    private volatile bool _aborting;
    private bool _listening;
    private bool _acceptPaused;
    private long _acceptResumesAt;

    // Closed to make room for one accept when the process is out of descriptors (see RefuseWithoutDescriptors).
    private SafeFileHandle? _spare;

    public EventLoop(
        int index, IReadOnlyList<ListenerSlot> tcpListeners, IReadOnlyList<ListenerSlot> udpListeners, ForwardSettings settings,
        ConnectionBudget budget, ConnectionDistributor distributor, ILogger logger)
    {
        _index = index;
        _listeners = tcpListeners;
        _settings = settings;
        _budget = budget;
        _distributor = distributor;
        _logger = logger;
        _idleMilliseconds = (long)settings.TcpIdleTimeout.TotalMilliseconds;
        _spare = OpenSpare();
        int count = tcpListeners.Count == 0 ? 0 : tcpListeners.Max(listener => listener.Index) + 1;
        _unreachableLog = NewThrottles(count);
        _limitLog = NewThrottles(count);
        _acceptLog = NewThrottles(count);
        foreach (var listener in tcpListeners)
        {
            _epoll.Add(listener.Socket, EPOLLIN | EPOLLEXCLUSIVE, (KindListener << 60) | (uint)listener.Index);
        }

        _epoll.Add(distributor.SignalOf(index).Handle, EPOLLIN, KindHandOver << 60);
        _listening = true;
        if (udpListeners.Count > 0)
        {
            _udp = new UdpRelay(_epoll, udpListeners, settings, budget, logger, KindUdp << 60);
        }
    }

    /// <summary>Set once this loop no longer watches any listener, so the listeners may be closed.</summary>
    public WaitHandle ListenersReleased => _listenersReleased.WaitHandle;

    /// <summary>Stop accepting; keep running the open connections until they end.</summary>
    public void Drain() => _draining = true;

    /// <summary>Reset whatever is still open and return.</summary>
    public void Abort() => _aborting = true;

    public void Run()
    {
        Span<ulong> keys = stackalloc ulong[256];
        Span<int> events = stackalloc int[256];
        try
        {
            while (true)
            {
                if (_aborting)
                {
                    AbortAll();
                    return;
                }

                if (_draining && _listening)
                {
                    StopListening();
                }

                if (!_listening && (_udp is null || _udp.Finished) && _distributor.TryRetire(_index))
                {
                    return;
                }

                int ready = _epoll.Wait(keys, events, _acceptPaused ? AcceptPauseMilliseconds : WaitMilliseconds);
                long now = Environment.TickCount64;
                if (_acceptPaused && now >= _acceptResumesAt)
                {
                    ResumeAccepting();
                }

                for (int i = 0; i < ready; i++)
                {
                    Dispatch(keys[i], events[i], now);
                }

                if (now >= _nextSweep)
                {
                    _nextSweep = now + SweepMilliseconds;
                    Sweep(now);
                }
            }
        }
        finally
        {
            _listenersReleased.Set();
        }
    }

    public void Dispose()
    {
        _udp?.Dispose();
        _spare?.Dispose();
        _pipes.Dispose();
        _epoll.Dispose();
        _listenersReleased.Dispose();
    }

    private void Dispatch(ulong key, int events, long now)
    {
        ulong kind = key >> 60;
        if (kind == KindListener)
        {
            if (_listening)
            {
                Accept(_listeners[ListenerPosition((int)(uint)key)], now);
            }

            return;
        }

        if (kind == KindHandOver)
        {
            TakeHandedOver(now);
            return;
        }

        if (kind == KindUdp)
        {
            _udp?.Dispatch(key, events, now);
            return;
        }

        int slot = (int)(uint)key;
        if (slot >= _connections.Count || _connections[slot] is not { } connection
            || (kind == KindClient ? connection.ClientKey : connection.BackendKey) != key)
        {
            // An event for a connection closed earlier in this batch, or for a slot reused since.
            return;
        }

        ConnectionState state;
        try
        {
            state = kind == KindClient ? connection.OnClientEvent(events, now) : connection.OnBackendEvent(events, now);
        }
        catch (SystemCallException e)
        {
            state = Failed(connection, e, now);
        }

        if (state != ConnectionState.Open)
        {
            Release(slot, connection, state, now);
        }
    }

    private int ListenerPosition(int index)
    {
        for (int i = 0; i < _listeners.Count; i++)
        {
            if (_listeners[i].Index == index)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"no listener {index}");
    }

    private void Accept(ListenerSlot listener, long now)
    {
        Span<byte> peer = stackalloc byte[SocketAddressBytes.MaxLength];
        for (int i = 0; i < AcceptBatch; i++)
        {
            int fd = NonblockingIo.Accept(listener.Socket, peer, out int peerLength);
            if (fd < 0)
            {
                // EAGAIN: another loop took it, or the backlog is empty. ECONNABORTED: the client gave up first.
                if (fd is -EMFILE or -ENFILE)
                {
                    RefuseWithoutDescriptors(listener, -fd, now);
                }
                else if (fd != -EAGAIN && fd != -ECONNABORTED && _acceptLog[listener.Index].TryEnter(now, out string note))
                {
                    ForwardLog.AcceptFailed(_logger, listener.Rule.Name, Errno.Describe(-fd), note);
                }

                return;
            }

#pragma warning disable CA2000 // Closed here when over the limit; else Open gives it to its TcpConnection, or the distributor queues it for another loop (closing what is queued at its Dispose).
            var client = new SafeFdHandle(fd);
#pragma warning restore CA2000
            if (!_budget.TryTake())
            {
                listener.Statistics.CountRefused();
                if (_limitLog[listener.Index].TryEnter(now, out string note))
                {
                    ForwardLog.LimitReached(_logger, listener.Rule.Name, _budget.Limit, note);
                }

                NonblockingIo.ResetOnClose(client);
                client.Dispose();
                continue;
            }

            int loop = _distributor.Assign(_index);
            if (loop == _index)
            {
                Open(listener, client, peer[..peerLength], now);
            }
            else
            {
                _distributor.HandOver(loop, new HandedOverConnection(listener, client, peer[..peerLength].ToArray()));
            }
        }
    }

    private void TakeHandedOver(long now)
    {
        _distributor.SignalOf(_index).Clear();
        while (_distributor.TryTake(_index, out var handedOver))
        {
            Open(handedOver.Listener, handedOver.Client, handedOver.Peer, now);
        }
    }

    private void Open(ListenerSlot listener, SafeFdHandle client, ReadOnlySpan<byte> peer, long now)
    {
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        uint generation = ++_generation & 0x0FFF_FFFF;
        ulong tag = ((ulong)generation << 32) | (uint)slot;
        TcpConnection connection;
        try
        {
            connection = new TcpConnection(_epoll, listener.Statistics, listener, client, peer, _pipes, _smallBuffer,
                (KindClient << 60) | tag, (KindBackend << 60) | tag, now);
        }
        catch (SystemCallException e)
        {
            _freeSlots.Push(slot);
            Discard(client);
            if (e.ErrorNumber is EMFILE or ENFILE)
            {
                if (_descriptorLog.TryEnter(now, out string note))
                {
                    ForwardLog.OutOfDescriptors(_logger, listener.Rule.Name, e.Message, _budget.Open, note);
                }
            }
            else if (_acceptLog[listener.Index].TryEnter(now, out string note))
            {
                ForwardLog.AcceptFailed(_logger, listener.Rule.Name, e.Message, note);
            }

            return;
        }

        listener.Statistics.CountAccepted();
        listener.Statistics.Opened();
        _connections[slot] = connection;
        ConnectionState state;
        try
        {
            state = connection.Start();
        }
        catch (SystemCallException e)
        {
            state = Failed(connection, e, now);
        }

        if (state != ConnectionState.Open)
        {
            Release(slot, connection, state, now);
        }
    }

    /// <summary>
    /// A system call on one connection's behalf failed in a way its sockets did not report (a pipe or an epoll
    /// registration the kernel would not give: descriptors or memory): that connection is reset, the loop goes on.
    /// </summary>
    private ConnectionState Failed(TcpConnection connection, SystemCallException error, long now)
    {
        connection.Abort();
        if (_descriptorLog.TryEnter(now, out string note))
        {
            ForwardLog.ConnectionFailed(_logger, connection.Listener.Rule.Name, connection.ClientName, error.Message, note);
        }

        return ConnectionState.Closed;
    }

    /// <summary>
    /// accept(2) failed for want of descriptors (EMFILE, or ENFILE system-wide). The listener stays readable, so accepting again at
    /// once would spin: the waiting clients are taken with the spare descriptor's number and reset, so they learn at
    /// once instead of hanging in the backlog (libuv's EMFILE trick), and this loop stops accepting for a moment while
    /// its open connections keep running. One line per interval says so.
    /// </summary>
    private void RefuseWithoutDescriptors(ListenerSlot listener, int errno, long now)
    {
        _spare?.Dispose();
        _spare = null;
        Span<byte> peer = stackalloc byte[SocketAddressBytes.MaxLength];
        for (int i = 0; i < AcceptBatch; i++)
        {
            int fd = NonblockingIo.Accept(listener.Socket, peer, out _);
            if (fd < 0)
            {
                break;
            }

            var client = new SafeFdHandle(fd);
            NonblockingIo.ResetOnClose(client);
            client.Dispose();
            listener.Statistics.CountRefused();
        }

        _spare = OpenSpare();
        PauseAccepting(now);
        if (_descriptorLog.TryEnter(now, out string note))
        {
            ForwardLog.OutOfDescriptors(_logger, listener.Rule.Name, Errno.Describe(errno), _budget.Open, note);
        }
    }

    private void PauseAccepting(long now)
    {
        _acceptResumesAt = now + AcceptPauseMilliseconds;
        if (_acceptPaused)
        {
            return;
        }

        // EPOLLEXCLUSIVE registrations cannot be modified, only removed and added again.
        foreach (var listener in _listeners)
        {
            _epoll.Remove(listener.Socket);
        }

        _acceptPaused = true;
    }

    private void ResumeAccepting()
    {
        _acceptPaused = false;
        _spare ??= OpenSpare();
        if (_listening)
        {
            foreach (var listener in _listeners)
            {
                _epoll.Add(listener.Socket, EPOLLIN | EPOLLEXCLUSIVE, (KindListener << 60) | (uint)listener.Index);
            }
        }
    }

    private static SafeFileHandle? OpenSpare()
    {
        try
        {
            return File.OpenHandle("/dev/null");
        }
        catch (IOException)
        {
            // Out of descriptors right now; taken again when accepting resumes.
            return null;
        }
    }

    /// <summary>Resets a client assigned to this loop that will not be run, and gives back what it counted against.</summary>
    private void Discard(SafeFdHandle client)
    {
        NonblockingIo.ResetOnClose(client);
        client.Dispose();
        _budget.Release();
        _distributor.Released(_index);
    }

    private int AddSlot()
    {
        _connections.Add(null);
        return _connections.Count - 1;
    }

    private void Release(int slot, TcpConnection connection, ConnectionState state, long now)
    {
        _connections[slot] = null;
        _freeSlots.Push(slot);
        connection.Listener.Statistics.Closed();
        _budget.Release();
        _distributor.Released(_index);
        if (state == ConnectionState.BackendUnreachable && _unreachableLog[connection.Listener.Index].TryEnter(now, out string note))
        {
            ForwardLog.BackendUnreachable(_logger, connection.Listener.Rule.Name, connection.ClientName, Errno.Describe(connection.UnreachableErrno), note);
        }
    }

    private void Sweep(long now)
    {
        for (int slot = 0; slot < _connections.Count; slot++)
        {
            if (_connections[slot] is not { } connection)
            {
                continue;
            }

            if (!connection.Connected)
            {
                if (now - connection.LastActive > ConnectTimeoutMilliseconds)
                {
                    Release(slot, connection, connection.ConnectTimedOut(), now);
                }
            }
            else if (_idleMilliseconds > 0 && now - connection.LastActive > _idleMilliseconds)
            {
                connection.Listener.Statistics.CountIdleTimeout();
                connection.Abort();
                Release(slot, connection, ConnectionState.Closed, now);
            }
        }

        _udp?.Sweep(now, _draining);
    }

    private void StopListening()
    {
        if (!_acceptPaused)
        {
            foreach (var listener in _listeners)
            {
                _epoll.Remove(listener.Socket);
            }
        }

        _udp?.StopReceiving();
        _listening = false;
        _listenersReleased.Set();
    }

    private void AbortAll()
    {
        for (int slot = 0; slot < _connections.Count; slot++)
        {
            if (_connections[slot] is { } connection)
            {
                connection.Abort();
                Release(slot, connection, ConnectionState.Closed, Environment.TickCount64);
            }
        }

        while (_distributor.TryTake(_index, out var handedOver))
        {
            Discard(handedOver.Client);
        }

        _udp?.CloseAll();
    }

    private static LogInterval[] NewThrottles(int count)
    {
        var throttles = new LogInterval[count];
        for (int i = 0; i < count; i++)
        {
            throttles[i] = new LogInterval(TimeSpan.FromSeconds(1));
        }

        return throttles;
    }
}
