using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Privport.Client;
using Privport.Interop;
using Privport.Protocol;

namespace Privport.Broker;

/// <summary>
/// One JSON object per line for every decision: to stderr (journald keeps it) and, when asked, appended to a file
/// (<see cref="AuditFile"/>), which SIGHUP reopens after rotation. <see cref="AuditThrottle"/> bounds what one uid
/// can write to both: past its share, decisions are counted and summarised in one line per interval.
/// </summary>
internal sealed class AuditLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream _console;
    private readonly ILogger? _logger;
    private readonly TimeProvider _clock;
    private readonly AuditThrottle _throttle;
    private readonly ITimer _timer;
    private readonly List<AuditSummary> _due = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private AuditFile? _file;
    private DateTimeOffset _lastFileError = DateTimeOffset.MinValue;
    private bool _disposed;

    /// <exception cref="AuditFileException">The audit file cannot be opened safely.</exception>
    public AuditLog(Stream console, string? filePath, ILogger? logger = null, TimeProvider? clock = null, AuditThrottle? throttle = null)
    {
        _console = console;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _throttle = throttle ?? new AuditThrottle(AuditThrottle.DefaultInterval, AuditThrottle.DefaultLinesPerInterval);
        if (filePath is not null)
        {
            _file = AuditFile.Open(filePath);
            ReportTightened(_file);
        }

        _json = new Utf8JsonWriter(_buffer);
        _timer = _clock.CreateTimer(_ => WriteEndedSummaries(), null, _throttle.Interval, _throttle.Interval);
    }

    public void Write(AuditRecord record)
    {
        lock (_gate)
        {
            bool admitted = _throttle.Admit(record.Peer.Uid, record.Outcome, record.Reason, record.Time, _due);
            WriteDue();
            if (admitted)
            {
                Begin();
                Format(_json, record);
                End();
            }
        }
    }

    /// <summary>
    /// Opens the audit file's path again, as after logrotate renamed it; the old file is closed once the new one is
    /// open. When that fails the old one stays in use and the reason is logged.
    /// </summary>
    public bool Reopen()
    {
        string? path;
        lock (_gate)
        {
            path = _file?.Path;
        }

        if (path is null)
        {
            return true;
        }

        AuditFile reopened;
        try
        {
#pragma warning disable CA2000 // The log owns the reopened file from here: it replaces _file (closed in Dispose), or is closed at once when the log is already disposed.
            reopened = AuditFile.Open(path);
#pragma warning restore CA2000
        }
        catch (AuditFileException e)
        {
            if (_logger is not null)
            {
                BrokerLog.AuditFileReopenFailed(_logger, e.Message);
            }

            return false;
        }

        AuditFile? old;
        lock (_gate)
        {
            if (_disposed)
            {
                reopened.Dispose();
                return false;
            }

            old = _file;
            _file = reopened;
            _lastFileError = DateTimeOffset.MinValue;
        }

        old?.Dispose();
        ReportTightened(reopened);
        if (_logger is not null)
        {
            BrokerLog.AuditFileReopened(_logger, path);
        }

        return true;
    }

    /// <summary>Writes the summaries still open, so no counted decision is lost at shutdown, and closes the file.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _throttle.CollectAll(_due);
            WriteDue();
            _json.Dispose();
            _file?.Dispose();
            _file = null;
        }
    }

    private void WriteEndedSummaries()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _throttle.CollectEnded(_clock.GetUtcNow(), _due);
            WriteDue();
        }
    }

    private void WriteDue()
    {
        foreach (var summary in _due)
        {
            Begin();
            Format(_json, summary, _throttle);
            End();
        }

        _due.Clear();
    }

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
    }

    private void End()
    {
        _json.Flush();
        _buffer.Write("\n"u8);
        _console.Write(_buffer.WrittenSpan);
        _console.Flush();
        if (_file is not null && _file.Append(_buffer.WrittenSpan) is var errno and not 0)
        {
            var now = _clock.GetUtcNow();
            if (_logger is not null && now - _lastFileError >= _throttle.Interval)
            {
                _lastFileError = now;
                BrokerLog.AuditFileWriteFailed(_logger, _file.Path, Errno.Describe(errno));
            }
        }
    }

    private void ReportTightened(AuditFile file)
    {
        if (file.Tightened is not null && _logger is not null)
        {
            BrokerLog.AuditFileTightened(_logger, file.Tightened);
        }
    }

    private static void Format(Utf8JsonWriter json, AuditRecord record)
    {
        json.WriteStartObject();
        json.WriteString("time", record.Time.UtcDateTime);
        json.WriteString("decision", record.Outcome);
        json.WriteString("op", record.Op.Name());
        if (record.Kernel is { } kernel)
        {
            json.WriteString("path", "kernel");
            json.WriteString("comm", kernel.Comm);
            if (kernel.Unit is not null)
            {
                json.WriteString("unit", kernel.Unit);
            }

            if (kernel.Cgroup is not null)
            {
                json.WriteString("cgroup", kernel.Cgroup);
            }

            json.WriteNumber("cgroup_id", kernel.CgroupId);
        }

        if (record.RuleId is not null)
        {
            json.WriteString("rule", record.RuleId);
        }

        json.WriteString("reason", record.Reason);
        json.WriteString("status", record.Status == 0 ? "ok" : Errno.Name(record.Status));
        json.WriteNumber("uid", record.Peer.Uid);
        json.WriteNumber("gid", record.Peer.Gid);
        json.WriteNumber("pid", record.Peer.Pid);
        if (record.Peer.Exe is null)
        {
            json.WriteNull("exe");
        }
        else
        {
            json.WriteString("exe", record.Peer.Exe);
        }

        // The file exe rules compare: the path above is only what the peer's own mount namespace shows.
        if (record.Peer.ExeFile is { } file)
        {
            json.WriteString("exe_dev", file.Device);
            json.WriteNumber("exe_ino", file.Inode);
        }
        else
        {
            json.WriteNull("exe_dev");
            json.WriteNull("exe_ino");
        }

        if (record.Endpoint is { } endpoint)
        {
            json.WriteString("protocol", Endpoint.ProtocolName(endpoint.Protocol));
            json.WriteString("address", endpoint.Address.ToString());
            json.WriteNumber("port", endpoint.Port);
        }

        json.WriteEndObject();
    }

    // "decision":"suppressed" keeps the field every line has; the counts say what was not written line by line.
    private static void Format(Utf8JsonWriter json, AuditSummary summary, AuditThrottle throttle)
    {
        json.WriteStartObject();
        json.WriteString("time", summary.Time.UtcDateTime);
        json.WriteString("decision", "suppressed");
        json.WriteString("reason", string.Create(CultureInfo.InvariantCulture,
            $"uid {summary.Uid} had more than {throttle.LinesPerInterval} decisions in {throttle.Interval.TotalSeconds:0} s; the rest are counted here instead of written one by one"));
        json.WriteNumber("uid", summary.Uid);
        json.WriteString("since", summary.Since.UtcDateTime);
        json.WriteNumber("written", summary.Written);
        json.WriteNumber("suppressed", summary.Suppressed);
        json.WriteNumber("denied", summary.Denied);
        json.WriteNumber("allowed", summary.Allowed);
        json.WriteNumber("errors", summary.Errors);
        json.WriteString("last_reason", summary.LastReason);
        json.WriteEndObject();
    }
}
