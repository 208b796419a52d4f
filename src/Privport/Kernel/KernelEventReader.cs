using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Privport.Client;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>
/// Reads grant events from the shared BPF ring buffer through mmap: the consumer position page (writable), then the
/// producer position page and the data pages, which the kernel maps twice in a row so a record never wraps.
/// Each record starts with an 8-byte header whose length word carries a busy bit (not yet committed) and a discard
/// bit; records are 8-byte aligned. <see cref="Fd"/> becomes readable for epoll when the program wakes the reader.
/// </summary>
internal sealed unsafe class KernelEventReader : IDisposable
{
    private const uint BusyBit = 1u << 31, DiscardBit = 1u << 30;
    private const int HeaderSize = 8;

    private readonly SafeFdHandle _ring;
    private readonly SafeFdHandle _dropped;
    private readonly nuint _pageSize = (nuint)Environment.SystemPageSize;
    private readonly ulong _mask;
    private byte* _consumer;
    private byte* _producer;

    public KernelEventReader(SafeFdHandle ring, SafeFdHandle dropped, uint ringSize)
    {
        _ring = ring;
        _dropped = dropped;
        _mask = ringSize - 1;
        _consumer = (byte*)mmap(null, _pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, ring.Fd, 0);
        if ((nint)_consumer == MAP_FAILED)
        {
            throw SystemCallException.FromLastError("mmap of the BPF events ring's consumer page");
        }

        _producer = (byte*)mmap(null, _pageSize + (2 * (nuint)ringSize), PROT_READ, MAP_SHARED, ring.Fd, (long)_pageSize);
        if ((nint)_producer == MAP_FAILED)
        {
            var error = SystemCallException.FromLastError("mmap of the BPF events ring's data pages");
            munmap(_consumer, _pageSize);
            throw error;
        }
    }

    public int Fd => _ring.Fd;

    /// <summary>Events the programs could not write because the ring was full.</summary>
    public ulong Dropped
    {
        get
        {
            Span<byte> key = stackalloc byte[4];
            key.Clear();
            Span<byte> value = stackalloc byte[8];
            return BpfSystemCall.MapLookup(_dropped, key, value) ? BinaryPrimitives.ReadUInt64LittleEndian(value) : 0;
        }
    }

    public bool TryRead(out KernelGrantEvent grantEvent)
    {
        ObjectDisposedException.ThrowIf(_consumer is null, this);
        ulong consumerPosition = Volatile.Read(ref *(ulong*)_consumer);
        while (consumerPosition < Volatile.Read(ref *(ulong*)_producer))
        {
            byte* record = _producer + _pageSize + (nuint)(consumerPosition & _mask);
            uint length = Volatile.Read(ref *(uint*)record);
            if ((length & BusyBit) != 0)
            {
                break;
            }

            uint payload = length & ~(BusyBit | DiscardBit);
            bool discarded = (length & DiscardBit) != 0;
            var data = new ReadOnlySpan<byte>(record + HeaderSize, (int)Math.Min(payload, GrantEventLayout.Size));
            bool usable = !discarded && payload >= GrantEventLayout.Size;
            grantEvent = usable ? Parse(data) : default;
            consumerPosition += (payload + HeaderSize + 7) & ~7u;
            Volatile.Write(ref *(ulong*)_consumer, consumerPosition);
            if (usable)
            {
                return true;
            }
        }

        grantEvent = default;
        return false;
    }

    public void Dispose()
    {
        if (_consumer is not null)
        {
            munmap(_producer, _pageSize + (2 * (nuint)(_mask + 1)));
            munmap(_consumer, _pageSize);
            _consumer = null;
            _producer = null;
        }

        _ring.Dispose();
        _dropped.Dispose();
    }

    private static KernelGrantEvent Parse(ReadOnlySpan<byte> e)
    {
        var family = (AddressFamily)e[GrantEventLayout.Family];
        var address = family == AddressFamily.InterNetwork
            ? new IPAddress(e.Slice(GrantEventLayout.Address, 4))
            : new IPAddress(e.Slice(GrantEventLayout.Address, 16));
        var comm = e.Slice(GrantEventLayout.Comm, GrantEventLayout.CommLength);
        int nul = comm.IndexOf((byte)0);
        return new KernelGrantEvent(
            BinaryPrimitives.ReadInt32LittleEndian(e[GrantEventLayout.Pid..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[GrantEventLayout.Uid..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[GrantEventLayout.Gid..]),
            BinaryPrimitives.ReadUInt64LittleEndian(e[GrantEventLayout.CgroupId..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[GrantEventLayout.Scope..]),
            (PortProtocol)e[GrantEventLayout.Protocol],
            family,
            address,
            BinaryPrimitives.ReadUInt16LittleEndian(e[GrantEventLayout.Port..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[GrantEventLayout.Rule..]),
            Encoding.UTF8.GetString(nul < 0 ? comm : comm[..nul]));
    }
}
