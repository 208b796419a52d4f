using System.Runtime.InteropServices;

namespace Privport.Interop;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SCHED_OTHER = 0;
        internal const int SCHED_BATCH = 3;

        /// <summary>struct sched_param.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct sched_param
        {
            public int sched_priority;
        }

        /// <summary>With pid 0, sets the calling thread's policy (Linux schedules threads, not processes).</summary>
        [LibraryImport(Name, SetLastError = true)]
        internal static unsafe partial int sched_setscheduler(int pid, int policy, sched_param* param);
    }
}
