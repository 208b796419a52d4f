using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Kernel;

/// <summary>The maps every grant program shares: the events ring and the dropped-events counter, pinned under the root.</summary>
internal sealed class SharedMaps : IDisposable
{
    public const uint RingSize = 256 * 1024;

    private SharedMaps(SafeFdHandle events, SafeFdHandle dropped)
    {
        Events = events;
        Dropped = dropped;
    }

    public SafeFdHandle Events { get; }

    public SafeFdHandle Dropped { get; }

    public static SharedMaps OpenOrCreate(string pinRoot)
    {
        var events = OpenOrCreate(Path.Combine(pinRoot, PinLayout.Events),
            () => BpfSystemCall.MapCreate(BPF_MAP_TYPE_RINGBUF, 0, 0, RingSize, 0, "privport_events"));
        try
        {
            var dropped = OpenOrCreate(Path.Combine(pinRoot, PinLayout.Dropped),
                () => BpfSystemCall.MapCreate(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, "privport_dropped"));
            return new SharedMaps(events, dropped);
        }
        catch
        {
            events.Dispose();
            throw;
        }
    }

    public static SafeFdHandle OpenOrCreate(string pin, Func<SafeFdHandle> create)
    {
#pragma warning disable CA2000 // Returned to the caller, who owns it.
        if (BpfSystemCall.ObjGet(pin) is { } pinned)
#pragma warning restore CA2000
        {
            return pinned;
        }

        var fd = create();
        try
        {
            BpfSystemCall.ObjPin(fd, pin);
        }
        catch
        {
            fd.Dispose();
            throw;
        }

        return fd;
    }

    public void Dispose()
    {
        Events.Dispose();
        Dropped.Dispose();
    }
}
