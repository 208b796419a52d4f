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
}
