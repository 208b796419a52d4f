using System.Diagnostics;
using System.Globalization;
using System.Text;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>A real <c>privport forward</c> process (as root, or as a uid through setpriv), its stderr kept for asserts.</summary>
public sealed class RunningForwarder : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private RunningForwarder(Process process)
    {
        _process = process;
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

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

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

    /// <summary>
    /// Starts <c>privport forward ARGUMENTS</c> as root and waits until it logs <paramref name="listeners"/> listeners.
    /// Without --user or --config in <paramref name="arguments"/>, it is given <c>--user root</c>, which keeps root on
    /// purpose (it refuses to run as root otherwise).
    /// </summary>
    public static Task<RunningForwarder> StartAsync(StagedPrivport privport, int listeners, params string[] arguments) =>
        StartAsync(new ProcessStartInfo(privport.Executable), listeners, ["forward", .. AsRootUnlessNamed(arguments)]);

    /// <summary>As <see cref="StartAsync(StagedPrivport, int, string[])"/>, with <paramref name="environment"/> added to privport's.</summary>
    public static Task<RunningForwarder> StartAsync(StagedPrivport privport, IReadOnlyDictionary<string, string> environment, int listeners, params string[] arguments)
    {
        var info = new ProcessStartInfo(privport.Executable);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return StartAsync(info, listeners, ["forward", .. AsRootUnlessNamed(arguments)]);
    }

    /// <summary>As <see cref="StartAsync(StagedPrivport, int, string[])"/>, running as <paramref name="uid"/> through setpriv.</summary>
    public static Task<RunningForwarder> StartAsUidAsync(StagedPrivport privport, uint uid, int listeners, params string[] arguments) =>
        StartAsync(SetprivProcess.StartInfo(Privilege.Setpriv, uid, uid, privport.Executable, ["forward", .. arguments]), listeners, []);

    /// <summary>As <see cref="StartAsync(StagedPrivport, int, string[])"/>, under a tracer such as <c>strace -f -o FILE</c>.</summary>
    public static Task<RunningForwarder> StartWrappedAsync(StagedPrivport privport, IReadOnlyList<string> wrap, int listeners, params string[] arguments) =>
        StartAsync(new ProcessStartInfo(wrap[0]), listeners, [.. wrap.Skip(1), privport.Executable, "forward", .. AsRootUnlessNamed(arguments)]);

    /// <summary>Runs <c>privport forward</c> expecting it to fail at once; returns the result.</summary>
    public static Task<ProcessResult> FailAsync(StagedPrivport privport, params string[] arguments) =>
        Run.AsRootAsync(privport.Executable, ["forward", .. arguments]);

    private static async Task<RunningForwarder> StartAsync(ProcessStartInfo info, int listeners, string[] arguments)
    {
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var forwarder = new RunningForwarder(Process.Start(info)!);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Count(forwarder.Stderr, "] forwarding ") < listeners)
        {
            if (forwarder.HasExited || DateTime.UtcNow > deadline)
            {
                await Task.Delay(100);
                string stderr = forwarder.Stderr;
                await forwarder.DisposeAsync();
                throw new InvalidOperationException($"privport forward did not start:\n{stderr}");
            }

            await Task.Delay(20);
        }

        return forwarder;
    }

    public int OpenDescriptors() => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    /// <summary>Every thread's /proc status, keyed by thread id.</summary>
    public IReadOnlyDictionary<string, string> ThreadStatuses() =>
        Directory.GetDirectories($"/proc/{Pid}/task").ToDictionary(task => Path.GetFileName(task), task => File.ReadAllText(Path.Combine(task, "status")));

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        // Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name (which may hold spaces).
        string stat = File.ReadAllText($"/proc/{Pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>A line of /proc/PID/status, e.g. VmRSS or Uid, without its label.</summary>
    public string Status(string field) =>
        File.ReadLines($"/proc/{Pid}/status").First(line => line.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();

    public long ResidentKilobytes() => long.Parse(Status("VmRSS").Split(' ')[0], CultureInfo.InvariantCulture);

    public async Task SignalAsync(string signal)
    {
        var result = await Run.AsRootAsync("kill", $"-{signal}", Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, result.ExitCode);
    }

    /// <summary>Waits for the process to exit on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            await SignalAsync("TERM");
        }

        return await WaitForExitAsync(TimeSpan.FromSeconds(40));
    }

    /// <summary>Polls until stderr contains <paramref name="text"/> (up to 10 s).</summary>
    public async Task<bool> LogsAsync(string text)
    {
        for (int i = 0; i < 500; i++)
        {
            if (Stderr.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string[] AsRootUnlessNamed(string[] arguments) =>
        arguments.Contains("--user") || arguments.Contains("--config") ? arguments : ["--user", "root", .. arguments];

    /// <summary>How many times <paramref name="part"/> occurs in stderr so far.</summary>
    public int CountInStderr(string part) => Count(Stderr, part);

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
