namespace Privport.Forwarding;

/// <summary>The Linux scheduling policy of the event-loop threads (<c>--scheduling</c>).</summary>
internal enum LoopScheduling
{
    /// <summary>
    /// SCHED_BATCH: a loop woken by a client or backend does not preempt the program that woke it, but runs at the
    /// next switch and then finds several connections ready. Fewer context switches per request when the CPUs are
    /// busy; on an idle CPU a loop still runs at once.
    /// </summary>
    Batch,

    /// <summary>SCHED_OTHER: a woken loop may preempt the running program; lower latency under contention, more switches.</summary>
    Normal,
}

internal static class LoopSchedulingNames
{
    public static bool TryParse(string text, out LoopScheduling scheduling)
    {
        switch (text)
        {
            case "batch":
                scheduling = LoopScheduling.Batch;
                return true;
            case "normal":
                scheduling = LoopScheduling.Normal;
                return true;
            default:
                scheduling = LoopScheduling.Batch;
                return false;
        }
    }
}
