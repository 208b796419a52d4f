using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Privport.Tests.Infrastructure;

/// <summary>A real <c>privport serve</c> process, as root, on a socket in its own temporary directory.</summary>
public sealed class RunningBroker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly string _directory;

    private RunningBroker(Process process, string directory, string policyPath)
    {
        _process = process;
        _directory = directory;
        PolicyPath = policyPath;
        process.ErrorDataReceived += (_, line) =>
        {
            lock (_gate)
            {
                _stderr.AppendLine(line.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string SocketPath => Path.Combine(_directory, "broker.sock");

    public string PolicyPath { get; }

    public string AuditPath => Path.Combine(_directory, "audit.jsonl");

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts a broker enforcing <paramref name="policy"/> (TOML text) and waits until it listens.</summary>
    public static async Task<RunningBroker> StartAsync(StagedPrivport privport, string policy, double clientTimeoutSeconds = 5, params string[] serveArguments)
    {
        var directory = Directory.CreateTempSubdirectory("privport-broker-");
        File.SetUnixFileMode(directory.FullName, (UnixFileMode)0b111_101_101);
        string policyPath = Path.Combine(directory.FullName, "policy.toml");
        await File.WriteAllTextAsync(policyPath, policy);
        var info = new ProcessStartInfo(privport.Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        string[] arguments =
        [
            "serve", "--policy", policyPath, "--socket", Path.Combine(directory.FullName, "broker.sock"),
            "--audit", Path.Combine(directory.FullName, "audit.jsonl"),
            "--client-timeout", clientTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            .. serveArguments,
        ];
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var broker = new RunningBroker(Process.Start(info)!, directory.FullName, policyPath);
        try
        {
            await Eventually.WaitUntilAsync(() => File.Exists(broker.SocketPath) || broker.HasExited, "the broker to listen", 30, () => broker.Stderr);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        if (!File.Exists(broker.SocketPath))
        {
            await broker.DisposeAsync();
            throw new InvalidOperationException($"broker did not start listening:\n{broker.Stderr}");
        }

        return broker;
    }

    public string[] AuditLines() => File.Exists(AuditPath) ? File.ReadAllLines(AuditPath) : [];

    /// <summary>The broker's open sockets and anonymous-inode descriptors (pidfds, epoll): what a request could leak.
    /// Assemblies the runtime maps on first use of a code path are not counted.</summary>
    public int OpenSocketsAndPidfds() => DescribeDescriptors().Count(target => target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("anon_inode:", StringComparison.Ordinal));

    public IEnumerable<string> DescribeDescriptors() =>
        Directory.GetFiles($"/proc/{Pid}/fd").Select(fd => new FileInfo(fd).LinkTarget ?? "?");

    public async Task SignalAsync(string signal)
    {
        var result = await Run.AsRootAsync("kill", $"-{signal}", Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, result.ExitCode);
    }

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM");
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync();
            }
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
