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
