using System.Text.Json;

namespace Privport.Tests.Launch;

/// <summary>
/// A Python program run by <c>privport exec</c> that reports what it was given: its credentials from
/// /proc/self/status, its open descriptors, the LISTEN_* variables and each passed socket; whether it can become root
/// again; and, with <c>serve</c>, answers one connection on descriptor 3 (socket.fromfd).
/// </summary>
internal sealed class ExecProbe
{
    public const string Python = "/usr/bin/python3";

    public const string Script = """
        import json, os, socket, subprocess, sys
        status = {}
        for line in open('/proc/self/status'):
            key, _, value = line.partition(':')
            status[key] = ' '.join(value.split())
        fds = []
        for name in os.listdir('/proc/self/fd'):
            try:
                os.readlink('/proc/self/fd/' + name)
                fds.append(int(name))
            except OSError:
                pass  # the descriptor listdir itself used, closed by now
        try:
            os.setuid(0)
            regained = True
        except PermissionError:
            regained = False
        setuid_program = os.environ.get('PROBE_SETUID_ID')
        setuid_euid = subprocess.run([setuid_program, '-u'], capture_output=True, text=True).stdout.strip() if setuid_program else None
        sockets = []
        for fd in range(3, 3 + int(os.environ.get('LISTEN_FDS', '0'))):
            s = socket.socket(fileno=os.dup(fd))
            sockets.append({'fd': fd, 'type': s.type.name, 'address': s.getsockname()[0], 'port': s.getsockname()[1]})
            s.detach()
        report = {'status': status, 'fds': sorted(fds), 'pid': os.getpid(), 'regained_root': regained, 'setuid_euid': setuid_euid,
                  'env': {k: os.environ.get(k) for k in ('LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES', 'LISTEN_PIDFDID', 'USER', 'HOME')},
                  'sockets': sockets}
        extra = sys.argv[1:]
        if 'bind' in extra:
            b = socket.socket()
            b.bind(('127.0.0.1', int(extra[extra.index('bind') + 1])))
            report['extra_bind'] = b.getsockname()[1]
        print(json.dumps(report), flush=True)
        if 'serve' in extra:
            server = socket.fromfd(3, socket.AF_INET, socket.SOCK_STREAM)
            connection, _ = server.accept()
            connection.sendall(b'hello from python as uid %d' % os.getuid())
            connection.close()
        """;

    private readonly JsonElement _report;

    private ExecProbe(JsonElement report)
    {
        _report = report;
    }

    public static ExecProbe Parse(string stdout)
    {
        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).First(l => l.StartsWith('{'));
        return new ExecProbe(JsonDocument.Parse(line).RootElement.Clone());
    }

    public string Status(string key) => _report.GetProperty("status").GetProperty(key).GetString()!;

    public int[] Descriptors => _report.GetProperty("fds").EnumerateArray().Select(fd => fd.GetInt32()).ToArray();

    public int Pid => _report.GetProperty("pid").GetInt32();

    public bool RegainedRoot => _report.GetProperty("regained_root").GetBoolean();

    public string? SetuidEuid => _report.GetProperty("setuid_euid").GetString();

    public string? Environment(string name) => _report.GetProperty("env").GetProperty(name).GetString();

    public int? ExtraBind => _report.TryGetProperty("extra_bind", out var port) ? port.GetInt32() : null;

    public (int Fd, string Type, string Address, int Port)[] Sockets => _report.GetProperty("sockets").EnumerateArray()
        .Select(s => (s.GetProperty("fd").GetInt32(), s.GetProperty("type").GetString()!, s.GetProperty("address").GetString()!, s.GetProperty("port").GetInt32()))
        .ToArray();
}
