using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>
/// Pipes lent to connections only while bytes are in flight, as HAProxy does with its splice pipes: a connection
/// takes one to splice into and gives it back once it is empty. Idle connections then hold no pipes, so a thousand
/// of them cost two descriptors each, and the per-user pipe page limit (pipe-user-pages-soft) is shared by the
/// transfers actually running. One pool per event loop; no locking.
/// </summary>
internal sealed class PipePool(int pipeSize, int keep) : IDisposable
{
    private readonly Stack<SplicePipe> _idle = new();

    public SplicePipe Rent() => _idle.Count > 0 ? _idle.Pop() : SplicePipe.Create(pipeSize);

    /// <summary>
    /// How many bytes the pipe <see cref="Rent"/> returns next can hold, making it now if none is idle. Once the
    /// forwarder's user is past pipe-user-pages-soft, the kernel makes new pipes of two pages whatever was asked,
    /// so this can be far less than the pipe size; a caller that must be able to park what it read reads no more.
    /// When no pipe can be made now (out of descriptors), <paramref name="unknown"/>: the caller may still finish
    /// without one.
    /// </summary>
    public int NextCapacity(int unknown)
    {
        if (_idle.Count == 0)
        {
            try
            {
#pragma warning disable CA2000 // The pool owns it from here: it is lent out by Rent or disposed with the pool.
                _idle.Push(SplicePipe.Create(pipeSize));
#pragma warning restore CA2000
            }
            catch (SystemCallException)
            {
                return unknown;
            }
        }

        return _idle.Peek().Capacity;
    }

    /// <summary>Takes back an empty pipe for reuse; one still holding bytes (a reset connection) is closed.</summary>
    public void Return(SplicePipe pipe)
    {
        if (pipe.Buffered == 0 && _idle.Count < keep)
        {
            _idle.Push(pipe);
        }
        else
        {
            pipe.Dispose();
        }
    }

    public void Dispose()
    {
        while (_idle.Count > 0)
        {
            _idle.Pop().Dispose();
        }
    }
}
