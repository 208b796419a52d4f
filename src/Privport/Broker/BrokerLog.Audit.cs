using Microsoft.Extensions.Logging;

namespace Privport.Broker;

/// <summary>Messages about the audit file.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(40, LogLevel.Warning, "{Change}")]
    public static partial void AuditFileTightened(ILogger logger, string change);

    [LoggerMessage(41, LogLevel.Information, "audit file {AuditPath} reopened")]
    public static partial void AuditFileReopened(ILogger logger, string auditPath);

    [LoggerMessage(42, LogLevel.Error, "{Problem}; audit lines still go to the previously opened file (and to stderr). Fix it and send SIGHUP again")]
    public static partial void AuditFileReopenFailed(ILogger logger, string problem);

    [LoggerMessage(43, LogLevel.Error, "cannot write to the audit file {AuditPath}: {Error}; audit lines still go to stderr (the journal). Free space or fix the file, then send SIGHUP to reopen it")]
    public static partial void AuditFileWriteFailed(ILogger logger, string auditPath, string error);
}
