using Microsoft.Extensions.Logging;

namespace Privport.Broker;

/// <summary>The broker's operational messages (decisions go to the audit log), with stable event ids.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(1, LogLevel.Information, "privport broker listening on {SocketPath} (policy {PolicyPath}, {RuleCount} rules)")]
    public static partial void Listening(ILogger logger, string socketPath, string policyPath, int ruleCount);

    [LoggerMessage(2, LogLevel.Information, "policy reloaded from {PolicyPath}: {RuleCount} rules")]
    public static partial void PolicyReloaded(ILogger logger, string policyPath, int ruleCount);

    [LoggerMessage(3, LogLevel.Error, "policy reload from {PolicyPath} failed; keeping the previous policy ({RuleCount} rules). Fix these and send SIGHUP again:\n{Errors}")]
    public static partial void PolicyReloadFailed(ILogger logger, string policyPath, int ruleCount, string errors);

    [LoggerMessage(142, LogLevel.Warning, "the policy {PolicyPath} cannot be loaded yet: {Message}; trying again in {Seconds} s")]
    public static partial void NameServiceUnavailable(ILogger logger, string policyPath, string message, double seconds);

    [LoggerMessage(4, LogLevel.Warning, "connection from pid {Pid} uid {Uid} failed: {Message}")]
    public static partial void ConnectionFailed(ILogger logger, int pid, uint uid, string message);

    [LoggerMessage(5, LogLevel.Information, "client pid {Pid} uid {Uid} sent nothing for {Seconds} s; disconnected")]
    public static partial void ClientTimedOut(ILogger logger, int pid, uint uid, double seconds);

    [LoggerMessage(6, LogLevel.Warning, "uid {Uid} has {Count} connections open, the most one uid may hold; refusing another")]
    public static partial void TooManyConnections(ILogger logger, uint uid, int count);

    [LoggerMessage(7, LogLevel.Information, "privport broker stopped; removed {SocketPath}")]
    public static partial void Stopped(ILogger logger, string socketPath);

    [LoggerMessage(9, LogLevel.Warning, "a connection failed before its peer was known: {Message}")]
    public static partial void AcceptedConnectionFailed(ILogger logger, string message);

    [LoggerMessage(8, LogLevel.Warning, "this kernel has no SO_PEERPIDFD (Linux 6.5+): peers' executables cannot be verified, so rules naming exe never match")]
    public static partial void NoPeerPidFd(ILogger logger);

    [LoggerMessage(10, LogLevel.Information, "privport broker stopped; {SocketPath} stays with the service manager (socket activation)")]
    public static partial void StoppedActivated(ILogger logger, string socketPath);

    [LoggerMessage(11, LogLevel.Warning, "the policy {PolicyPath} has no rules: every request is denied. Add [[allow]] rules (see privport-policy(5)) and reload")]
    public static partial void PolicyEmpty(ILogger logger, string policyPath);

    [LoggerMessage(12, LogLevel.Information, "metrics on http://{Address}/metrics")]
    public static partial void MetricsListening(ILogger logger, string address);

    [LoggerMessage(13, LogLevel.Warning, "the policy {PolicyPath} has rules naming exe, but the broker lacks CAP_SYS_PTRACE: it cannot read other users' executables, so those rules deny. Under systemd, link /usr/share/privport/exe-and-group-rules.conf into /etc/systemd/system/privport.service.d/ and restart privport")]
    public static partial void PeersUnreadable(ILogger logger, string policyPath);

    [LoggerMessage(14, LogLevel.Warning, "client pid {Pid} uid {Uid} does not read its replies (one found no room); disconnected ({Suppressed} more like it not logged in the last interval)")]
    public static partial void ReplyWouldBlock(ILogger logger, int pid, uint uid, long suppressed);

    [LoggerMessage(15, LogLevel.Error, "accept failed: {Error}; the broker is out of file descriptors, connections wait in the backlog ({Suppressed} more failures not logged in the last interval). Raise LimitNOFILE= or look for a client holding many connections")]
    public static partial void AcceptOutOfDescriptors(ILogger logger, string error, long suppressed);

    [LoggerMessage(143, LogLevel.Error, "accept failed: {Error}; accepting pauses {Milliseconds} ms at a time until it succeeds, connections wait in the backlog ({Suppressed} more failures not logged in the last interval)")]
    public static partial void AcceptFailing(ILogger logger, string error, double milliseconds, long suppressed);

    [LoggerMessage(16, LogLevel.Error, "cannot identify client pid {Pid} uid {Uid}: the broker is out of file descriptors; answered EAGAIN ({Suppressed} more not logged in the last interval). Raise LimitNOFILE=")]
    public static partial void IdentifyOutOfDescriptors(ILogger logger, int pid, uint uid, long suppressed);

    [LoggerMessage(17, LogLevel.Information, "descriptor limit {Limit}: at most {Total} connections ({RootReserve} more for root), {PerUid} per uid")]
    public static partial void ConnectionCaps(ILogger logger, ulong limit, int total, int rootReserve, int perUid);
}
