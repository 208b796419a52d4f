using static Privport.Interop.Interop.Libc;

namespace Privport.Interop;

/// <summary>
/// RLIMIT_NOFILE for long-running servers. A NativeAOT process keeps the soft limit it inherits (often 1024; CoreCLR
/// would raise it), so a broker or forwarder holding one descriptor per client runs out long before the hard limit
/// says it must. Only servers raise it: a program privport starts inherits the limit, and select(2)-based code breaks
/// on descriptors above 1023.
/// </summary>
internal static class FileDescriptorLimit
{
    /// <summary>The soft limit in force.</summary>
    public static unsafe ulong Current()
    {
        rlimit limit;
        return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : throw SystemCallException.FromLastError("getrlimit RLIMIT_NOFILE");
    }

    /// <summary>How many descriptors the process has open now (a JIT runtime holds two per loaded assembly).</summary>
    public static int CountOpen() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    /// <summary>Raises the soft limit to the hard limit; returns the soft limit now in force.</summary>
    public static unsafe ulong RaiseSoftToHard()
    {
        rlimit limit;
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        {
            throw SystemCallException.FromLastError("getrlimit RLIMIT_NOFILE");
        }

        if (limit.rlim_cur < limit.rlim_max)
        {
            var raised = new rlimit { rlim_cur = limit.rlim_max, rlim_max = limit.rlim_max };
            // A seccomp filter may refuse the call; the limit in force then stands, and callers size themselves to it.
            return setrlimit(RLIMIT_NOFILE, &raised) == 0 ? raised.rlim_cur : limit.rlim_cur;
        }

        return limit.rlim_cur;
    }
}
