using System.Buffers;
using System.Text.Json;
using Privport.Client;
using Privport.Client.Interop;
using Privport.Client.Protocol;

namespace Privport.Broker;

/// <summary>
/// One JSON object per line for every decision: to stderr (journald keeps it) and, when asked, appended to a file.
/// </summary>
internal sealed class AuditLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Stream _console;
    private readonly FileStream? _file;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;

    public AuditLog(Stream console, string? filePath)
    {
        _console = console;
        if (filePath is not null)
        {
            _file = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }

        _json = new Utf8JsonWriter(_buffer);
    }

    public void Write(AuditRecord record)
    {
        lock (_gate)
        {
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            Format(_json, record);
            _json.Flush();

            _buffer.Write("\n"u8);
            _console.Write(_buffer.WrittenSpan);
            _console.Flush();
            if (_file is not null)
            {
                _file.Write(_buffer.WrittenSpan);
                _file.Flush();
            }
        }
    }

    public void Dispose()
    {
        _json.Dispose();
        _file?.Dispose();
    }

    private static string OpName(BrokerOp op) => op switch
    {
        BrokerOp.Bind => "BIND",
        BrokerOp.Open => "OPEN",
        BrokerOp.Query => "QUERY",
        _ => "STATUS",
    };

    private static void Format(Utf8JsonWriter json, AuditRecord record)
    {
        json.WriteStartObject();
        json.WriteString("time", record.Time.UtcDateTime);
        json.WriteString("decision", record.Outcome);
        json.WriteString("op", OpName(record.Op));
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
}
