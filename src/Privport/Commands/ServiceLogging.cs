using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Privport.Commands;

/// <summary>
/// How the long-running verbs (<c>serve</c>, <c>forward</c>) write to stderr. Under systemd (JOURNAL_STREAM set) every
/// line starts with its syslog priority, sd-daemon style ("&lt;3&gt;"), and has no timestamp, as journald reads the
/// priority and stamps the time itself; elsewhere lines are plain and timestamped by nothing but the reader.
/// </summary>
internal static class ServiceLogging
{
    /// <summary>Set by systemd when stderr goes to the journal.</summary>
    public const string JournalStreamVariable = "JOURNAL_STREAM";

    // LOG_ERR: a message that stops the service.
    private const int ErrorPriority = 3;

    public static bool ToJournal => Environment.GetEnvironmentVariable(JournalStreamVariable) is { Length: > 0 };

    /// <summary>The console sink for <see cref="ILogger"/> lines: "&lt;6&gt;privport[101] message" under journald.</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        if (ToJournal)
        {
            logging.AddSystemdConsole(console => console.TimestampFormat = null);
        }
        else
        {
            logging.AddSimpleConsole(console => console.SingleLine = true);
        }

        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>
    /// Where the verbs write the errors that stop them: stderr, each line at priority err under journald, so
    /// <c>journalctl -p err</c> shows why a unit stopped.
    /// </summary>
    public static TextWriter StandardError() =>
        ToJournal ? new SyslogPriorityWriter(Console.Error, ErrorPriority) : Console.Error;
}
