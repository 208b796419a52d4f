using Microsoft.Extensions.Logging;

namespace Privport.Broker;

/// <summary>Messages about kernel grants: the pinned programs, enrolments, the event ring.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(130, LogLevel.Error, "the policy grants binds in the kernel for {Scopes} units or cgroups, but this host cannot: {Problem}. Those grants are NOT in force; the broker serves everything else ('privport status' and 'privport doctor' say more)")]
    public static partial void KernelGrantsUnavailable(ILogger logger, int scopes, string problem);

    [LoggerMessage(131, LogLevel.Information, "kernel grants for {Scopes} units or cgroups in force under {PinRoot} ({Changes})")]
    public static partial void KernelGrantsSynced(ILogger logger, int scopes, string pinRoot, string changes);

    [LoggerMessage(132, LogLevel.Error, "cannot bring the kernel grants under {PinRoot} in step with the policy: {Problem}; fix it and reload the broker (systemctl reload privport)")]
    public static partial void KernelGrantsSyncFailed(ILogger logger, string pinRoot, string problem);

    [LoggerMessage(133, LogLevel.Warning, "{Message}")]
    public static partial void KernelGrantAwaitsDaemonReload(ILogger logger, string message);

    [LoggerMessage(134, LogLevel.Information, "kernel grants under {PinRoot} withdrawn (maps emptied; the pins stay for the next start)")]
    public static partial void KernelGrantsWithdrawn(ILogger logger, string pinRoot);

    [LoggerMessage(135, LogLevel.Error, "cannot withdraw the kernel grants under {PinRoot}: {Problem}; run 'privport kernel revoke' as root")]
    public static partial void KernelGrantsWithdrawFailed(ILogger logger, string pinRoot, string problem);

    [LoggerMessage(136, LogLevel.Warning, "cannot read the kernel grants under {PinRoot}: {Problem}")]
    public static partial void KernelGrantsStateUnreadable(ILogger logger, string pinRoot, string problem);

    [LoggerMessage(137, LogLevel.Information, "enrolled pid {Pid} (uid {Uid}) in {Cgroup}: {Granted} kernel grants, {LeftOut} left out")]
    public static partial void KernelEnrolled(ILogger logger, int pid, uint uid, string cgroup, int granted, int leftOut);

    [LoggerMessage(138, LogLevel.Information, "enrolment {Cgroup} of uid {Uid} ended: its cgroup is empty")]
    public static partial void KernelEnrolmentEnded(ILogger logger, string cgroup, uint uid);

    [LoggerMessage(139, LogLevel.Warning, "the kernel grant event ring dropped {Dropped} events so far (audit lines lost, grants unaffected)")]
    public static partial void KernelEventsDropped(ILogger logger, ulong dropped);

    [LoggerMessage(140, LogLevel.Error, "cannot read kernel grant events: {Problem}; kernel grants still work but are not audited until the broker restarts")]
    public static partial void KernelEventsFailed(ILogger logger, string problem);

    [LoggerMessage(141, LogLevel.Warning, "could not end enrolment {Cgroup}: {Problem}")]
    public static partial void KernelEnrolmentCleanupFailed(ILogger logger, string cgroup, string problem);
}
