namespace Privport.Forwarding;

/// <summary>The connection cap, shared by every listener and loop: open TCP connections plus UDP flows.</summary>
internal sealed class ConnectionBudget(int limit)
{
    private long _open;

    /// <summary>The cap; 0 is none.</summary>
    public int Limit => limit;

    public long Open => Volatile.Read(ref _open);

    /// <summary>Counts one more unless the limit (0: none) is reached.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _open) <= limit || limit == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _open);
}
