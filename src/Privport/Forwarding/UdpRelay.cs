using Microsoft.Extensions.Logging;
using Privport.Interop;
using Privport.Logging;
using static Privport.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>
/// Forwards UDP: a table of flows, one per client address, each with its own socket connected to the backend.
/// Datagrams from a client go out on its flow's socket; replies on that socket go back to the client from the
/// listening socket. A flow idle for the flow timeout is closed. Runs inside one <see cref="EventLoop"/>.
/// </summary>
internal sealed class UdpRelay : IDisposable
{
    private const int MaxDatagram = 65535;
    private const int Batch = 64;
    private const ulong FlowBit = 1UL << 59;
    private const long DrainingFlowMilliseconds = 1000;

    private readonly Epoll _epoll;
    private readonly IReadOnlyList<ListenerSlot> _listeners;
    private readonly ConnectionBudget _budget;
    private readonly ILogger _logger;
    private readonly ulong _keyBase;
    private readonly Dictionary<UdpFlowKey, UdpFlow> _flows = [];
    private readonly List<UdpFlow?> _slots = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly byte[] _buffer = new byte[MaxDatagram];
    private readonly LogInterval _limitLog = new(TimeSpan.FromSeconds(1));
    private readonly LogInterval _backendLog = new(TimeSpan.FromSeconds(1));
    private readonly long _timeoutMilliseconds;
    private uint _generation;
    private bool _receiving = true;

    public UdpRelay(Epoll epoll, IReadOnlyList<ListenerSlot> listeners, ForwardSettings settings, ConnectionBudget budget, ILogger logger, ulong keyBase)
    {
        _epoll = epoll;
        _listeners = listeners;
        _budget = budget;
        _logger = logger;
        _keyBase = keyBase;
        _timeoutMilliseconds = (long)settings.UdpFlowTimeout.TotalMilliseconds;
        for (int i = 0; i < listeners.Count; i++)
        {
            epoll.Add(listeners[i].Socket, EPOLLIN, keyBase | (uint)i);
        }
    }

    /// <summary>No longer receiving and no flow left.</summary>
    public bool Finished => !_receiving && _flows.Count == 0;

    public void Dispatch(ulong key, int events, long now)
    {
        _ = events;
        if ((key & FlowBit) == 0)
        {
            if (_receiving)
            {
                FromClients(_listeners[(int)(uint)key], now);
            }

            return;
        }

        int slot = (int)(uint)key;
        if (slot < _slots.Count && _slots[slot] is { } flow && flow.EpollKey == key)
        {
            FromBackend(flow, now);
        }
    }

    public void StopReceiving()
    {
        foreach (var listener in _listeners)
        {
            _epoll.Remove(listener.Socket);
        }

        _receiving = false;
    }

    /// <summary>Closes flows idle past the timeout; while draining, past a second, as no new datagrams come.</summary>
    public void Sweep(long now, bool draining)
    {
        long limit = draining ? Math.Min(DrainingFlowMilliseconds, _timeoutMilliseconds) : _timeoutMilliseconds;
        for (int slot = 0; slot < _slots.Count; slot++)
        {
            if (_slots[slot] is { } flow && now - flow.LastActive > limit)
            {
                Close(slot, flow);
            }
        }
    }

    public void CloseAll()
    {
        for (int slot = 0; slot < _slots.Count; slot++)
        {
            if (_slots[slot] is { } flow)
            {
                Close(slot, flow);
            }
        }
    }

    public void Dispose() => CloseAll();

    private void FromClients(ListenerSlot listener, long now)
    {
        Span<byte> from = stackalloc byte[SocketAddressBytes.MaxLength];
        for (int i = 0; i < Batch; i++)
        {
            nint length = NonblockingIo.ReceiveFrom(listener.Socket, _buffer, from, out int fromLength);
            if (length < 0)
            {
                return;
            }

            var sender = from[..fromLength];
            var key = UdpFlowKey.From(IndexOf(listener), sender);
            if (!_flows.TryGetValue(key, out var flow))
            {
                flow = OpenFlow(key, listener, sender, now);
                if (flow is null)
                {
                    continue;
                }
            }

            flow.LastActive = now;
            if (NonblockingIo.Send(flow.Backend, _buffer.AsSpan(0, (int)length)) >= 0)
            {
                listener.Statistics.CountUdpDatagramClientToBackend(length);
            }
            else
            {
                listener.Statistics.CountBackendError();
            }
        }
    }

    private void FromBackend(UdpFlow flow, long now)
    {
        Span<byte> from = stackalloc byte[SocketAddressBytes.MaxLength];
        for (int i = 0; i < Batch; i++)
        {
            nint length = NonblockingIo.ReceiveFrom(flow.Backend, _buffer, from, out _);
            if (length < 0)
            {
                // ECONNREFUSED: an ICMP port-unreachable for an earlier datagram; UDP has no connection to end.
                if (length != -EAGAIN)
                {
                    flow.Listener.Statistics.CountBackendError();
                    if (_backendLog.TryEnter(now, out string note))
                    {
                        ForwardLog.BackendUnreachable(_logger, flow.Listener.Rule.Name, SocketAddressBytes.ToEndPoint(flow.ClientAddress)?.ToString() ?? "?", Errno.Describe((int)-length), note);
                    }

                    continue;
                }

                return;
            }

            flow.LastActive = now;
            if (NonblockingIo.SendTo(flow.Listener.Socket, _buffer.AsSpan(0, (int)length), flow.ClientAddress) >= 0)
            {
                flow.Listener.Statistics.CountUdpDatagramBackendToClient(length);
            }
            else
            {
                flow.Listener.Statistics.CountClientError();
            }
        }
    }

    private UdpFlow? OpenFlow(UdpFlowKey key, ListenerSlot listener, ReadOnlySpan<byte> sender, long now)
    {
        if (!_budget.TryTake())
        {
            listener.Statistics.CountRefused();
            if (_limitLog.TryEnter(now, out string note))
            {
                ForwardLog.LimitReached(_logger, listener.Rule.Name, _budget.Limit, note);
            }

            return null;
        }

        SafeFdHandle backend;
        try
        {
#pragma warning disable CA2000 // Closed below when connect or epoll_ctl fails; else the UdpFlow owns it, and the relay closes it with the flow.
            backend = NonblockingIo.CreateSocket(SocketAddressBytes.Family(listener.Rule.Target), SOCK_DGRAM);
#pragma warning restore CA2000
        }
        catch (SystemCallException)
        {
            _budget.Release();
            listener.Statistics.CountBackendError();
            return null;
        }

        int connected = NonblockingIo.Connect(backend, listener.TargetAddress);
        if (connected != 0)
        {
            backend.Dispose();
            _budget.Release();
            listener.Statistics.CountBackendUnreachable();
            if (_backendLog.TryEnter(now, out string note))
            {
                ForwardLog.BackendUnreachable(_logger, listener.Rule.Name, SocketAddressBytes.ToEndPoint(sender)?.ToString() ?? "?", Errno.Describe(-connected), note);
            }

            return null;
        }

        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        uint generation = ++_generation & 0x07FF_FFFF;
        var flow = new UdpFlow(key, listener, backend, sender.ToArray(), _keyBase | FlowBit | ((ulong)generation << 32) | (uint)slot, now);
        try
        {
            _epoll.Add(backend, EPOLLIN, flow.EpollKey);
        }
        catch (SystemCallException)
        {
            // The event loop ends with this error; the flow was never recorded, so nothing else would close its socket.
            backend.Dispose();
            throw;
        }

        _slots[slot] = flow;
        _flows.Add(key, flow);
        listener.Statistics.CountUdpFlow();
        listener.Statistics.Opened();
        return flow;
    }

    private int AddSlot()
    {
        _slots.Add(null);
        return _slots.Count - 1;
    }

    private int IndexOf(ListenerSlot listener)
    {
        for (int i = 0; i < _listeners.Count; i++)
        {
            if (ReferenceEquals(_listeners[i], listener))
            {
                return i;
            }
        }

        return -1;
    }

    private void Close(int slot, UdpFlow flow)
    {
        _slots[slot] = null;
        _freeSlots.Push(slot);
        _flows.Remove(flow.Key);
        flow.Backend.Dispose();
        flow.Listener.Statistics.Closed();
        _budget.Release();
    }
}
