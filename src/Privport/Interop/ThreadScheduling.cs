using System.Runtime.InteropServices;
using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>The calling thread's Linux scheduling policy.</summary>
internal static class ThreadScheduling
{
    /// <summary>Puts the calling thread (only) under SCHED_BATCH; 0, or the errno.</summary>
    public static unsafe int UseBatch()
    {
        var param = default(sched_param);
        return sched_setscheduler(0, SCHED_BATCH, &param) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
