using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>An epoll instance watching descriptors for readability, each tagged with a 64-bit key.</summary>
internal sealed class Epoll : IDisposable
{
    /// <summary>sizeof(struct epoll_event): packed to 12 bytes on x86-64 only.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    /// <summary>offsetof(struct epoll_event, data).</summary>
    public static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    private readonly SafeFdHandle _epoll;

    public Epoll()
    {
        int fd = epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw SystemCallException.FromLastError("epoll_create1");
        }

        _epoll = new SafeFdHandle(fd);
    }

    /// <summary>Reports <paramref name="fd"/> once when readable or hung up; <see cref="Rearm"/> to hear of it again.</summary>
    public void WatchOnce(SafeHandle fd, ulong key) => Control(EPOLL_CTL_ADD, fd, key);

    public void Rearm(SafeHandle fd, ulong key) => Control(EPOLL_CTL_MOD, fd, key);

    /// <summary>Waits up to <paramref name="milliseconds"/>; the keys of ready descriptors go to <paramref name="keys"/>.</summary>
    public unsafe int Wait(Span<ulong> keys, int milliseconds)
    {
        int capacity = keys.Length;
        byte* events = stackalloc byte[EventSize * capacity];
        int ready = epoll_wait(_epoll, events, capacity, milliseconds);
        if (ready < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == EINTR ? 0 : throw new SystemCallException("epoll_wait", errno);
        }

        for (int i = 0; i < ready; i++)
        {
            keys[i] = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(events + (i * EventSize) + DataOffset, sizeof(ulong)));
        }

        return ready;
    }

    /// <summary>Watches <paramref name="fd"/>, level-triggered, for <paramref name="events"/> (EPOLLIN, EPOLLOUT, ...).</summary>
    public void Add(SafeHandle fd, int events, ulong key) => Control(EPOLL_CTL_ADD, fd, events, key);

    public void Modify(SafeHandle fd, int events, ulong key) => Control(EPOLL_CTL_MOD, fd, events, key);

    public unsafe void Remove(SafeHandle fd)
    {
        byte* unused = stackalloc byte[16];
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            if (epoll_ctl(_epoll, EPOLL_CTL_DEL, (int)fd.DangerousGetHandle(), unused) != 0)
            {
                throw SystemCallException.FromLastError("epoll_ctl EPOLL_CTL_DEL");
            }
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>Like <see cref="Wait(Span{ulong}, int)"/>, also giving each descriptor's ready events.</summary>
    public unsafe int Wait(Span<ulong> keys, Span<int> events, int milliseconds)
    {
        int capacity = Math.Min(keys.Length, events.Length);
        byte* raw = stackalloc byte[EventSize * capacity];
        int ready = epoll_wait(_epoll, raw, capacity, milliseconds);
        if (ready < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == EINTR ? 0 : throw new SystemCallException("epoll_wait", errno);
        }

        for (int i = 0; i < ready; i++)
        {
            byte* @event = raw + (i * EventSize);
            events[i] = (int)BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(@event, sizeof(uint)));
            keys[i] = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(@event + DataOffset, sizeof(ulong)));
        }

        return ready;
    }

    public void Dispose() => _epoll.Dispose();

    private void Control(int op, SafeHandle fd, ulong key) => Control(op, fd, EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, key);

    private unsafe void Control(int op, SafeHandle fd, int events, ulong key)
    {
        byte* @event = stackalloc byte[16];
        new Span<byte>(@event, 16).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(@event, 4), (uint)events);
        BinaryPrimitives.WriteUInt64LittleEndian(new Span<byte>(@event + DataOffset, 8), key);
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            if (epoll_ctl(_epoll, op, (int)fd.DangerousGetHandle(), @event) != 0)
            {
                throw SystemCallException.FromLastError("epoll_ctl");
            }
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }
}
