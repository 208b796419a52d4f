using Microsoft.Extensions.Logging;

namespace Privport.Forwarding;

/// <summary>The forwarder's operational messages, with stable event ids.</summary>
internal static partial class ForwardLog
{
    [LoggerMessage(101, LogLevel.Information, "forwarding {Rule} (listener bound {BoundBy})")]
    public static partial void Listening(ILogger logger, string rule, string boundBy);

    [LoggerMessage(102, LogLevel.Warning, "{Rule}: backend unreachable for client {Client}: {Error}; the client's connection was reset{Suppressed}")]
    public static partial void BackendUnreachable(ILogger logger, string rule, string client, string error, string suppressed);

    [LoggerMessage(103, LogLevel.Warning, "{Rule}: at the limit of {Limit} open connections and flows; refused a new one{Suppressed}")]
    public static partial void LimitReached(ILogger logger, string rule, int limit, string suppressed);

    [LoggerMessage(104, LogLevel.Information, "stopping: no new connections; waiting up to {Seconds} s for {Active} open ones to finish")]
    public static partial void Draining(ILogger logger, double seconds, long active);

    [LoggerMessage(105, LogLevel.Warning, "drain deadline reached; reset {Active} connections still open")]
    public static partial void DrainDeadline(ILogger logger, long active);

    [LoggerMessage(106, LogLevel.Information, "stopped: {Accepted} connections, {Refused} refused, {Unreachable} backend failures, {ClientToBackend} bytes client->backend, {BackendToClient} bytes backend->client")]
    public static partial void Stopped(ILogger logger, long accepted, long refused, long unreachable, long clientToBackend, long backendToClient);

    [LoggerMessage(107, LogLevel.Warning, "{Rule}: accept failed: {Error}{Suppressed}")]
    public static partial void AcceptFailed(ILogger logger, string rule, string error, string suppressed);

    [LoggerMessage(108, LogLevel.Information, "dropped privileges to user {User} (uid {Uid}, gid {Gid})")]
    public static partial void PrivilegesDropped(ILogger logger, string user, uint uid, uint gid);

    [LoggerMessage(109, LogLevel.Error, "event loop failed: {Error}")]
    public static partial void LoopFailed(ILogger logger, string error);

    [LoggerMessage(110, LogLevel.Information, "metrics on http://{Address}/metrics")]
    public static partial void MetricsListening(ILogger logger, string address);

    [LoggerMessage(111, LogLevel.Warning, "cannot put the event loops under SCHED_BATCH ({Error}); they run under the normal policy. Allow sched_setscheduler, or pass --scheduling normal to skip this")]
    public static partial void SchedulingRefused(ILogger logger, string error);

    [LoggerMessage(112, LogLevel.Warning, "{Rule}: out of descriptors ({Error}) with {Open} connections and flows open; new clients are reset until some close. Lower --max-conns (max_conns) or raise the open-file limit (LimitNOFILE=){Suppressed}")]
    public static partial void OutOfDescriptors(ILogger logger, string rule, string error, long open, string suppressed);

    [LoggerMessage(113, LogLevel.Warning, "{Rule}: connection from {Client} reset: {Error}{Suppressed}")]
    public static partial void ConnectionFailed(ILogger logger, string rule, string client, string error, string suppressed);

    [LoggerMessage(114, LogLevel.Information, "limits: at most {Cap} open connections and flows ({Source}); idle connections closed after {Idle} s, UDP flows after {UdpIdle} s")]
    public static partial void Limits(ILogger logger, int cap, string source, double idle, double udpIdle);

    [LoggerMessage(115, LogLevel.Warning, "no connection limit (--max-conns 0 or max_conns = 0): enough clients can use up all {OpenFileLimit} descriptors, after which new connections fail; give a limit instead, or leave it out to take one derived from the open-file limit ({DefaultCap})")]
    public static partial void NoConnectionLimit(ILogger logger, long openFileLimit, int defaultCap);

    [LoggerMessage(116, LogLevel.Warning, "no idle timeout for TCP (--idle-timeout 0 or idle_timeout = 0): a client that sends nothing keeps its connection and two descriptors until it closes; UDP flows still expire after {UdpIdle} s")]
    public static partial void NoIdleTimeout(ILogger logger, double udpIdle);

    [LoggerMessage(117, LogLevel.Warning, "{Cap} connections may need up to {Needed} descriptors, more than the open-file limit of {OpenFileLimit}: under load new connections will fail for want of descriptors. Raise the limit (LimitNOFILE=, ulimit -n) or lower the cap to {DefaultCap}")]
    public static partial void CapAboveOpenFileLimit(ILogger logger, int cap, long needed, long openFileLimit, int defaultCap);

    [LoggerMessage(118, LogLevel.Warning, "running as root on purpose (user root): client connections and backend connects run with every privilege root has; prefer --user with an unprivileged account")]
    public static partial void StayingRoot(ILogger logger);
}
