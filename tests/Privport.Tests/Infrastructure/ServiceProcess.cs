using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Privport.Tests.Infrastructure;

/// <summary>
/// A long-running process started as a service manager would: chosen environment, stderr collected, signalled by
/// pid, stopped and reaped on dispose.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly Lock _gate = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, line) => Append(_stderr, line.Data);
        process.OutputDataReceived += (_, line) => Append(_stdout, line.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr => Read(_stderr);

    public string Stdout => Read(_stdout);

    public static ServiceProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        return Start(info);
    }

    /// <summary>
    /// Where a process run as another uid starts: the test's own directory lies under the checkout, which may be in a
    /// directory only root can read (a clone in root's home, or under mktemp -d).
    /// </summary>
    public const string ReadableWorkingDirectory = "/";

    /// <summary>Starts a prepared process; its output is collected. One run through setpriv starts in /, unless told.</summary>
    public static ServiceProcess Start(ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.FileName == Privilege.Setpriv && string.IsNullOrEmpty(info.WorkingDirectory))
        {
            info.WorkingDirectory = ReadableWorkingDirectory;
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        return new ServiceProcess(Process.Start(info)!);
    }

    /// <summary>Connects to loopback <paramref name="port"/> until the process answers, sends <paramref name="request"/>, returns the reply.</summary>
    public async Task<string> FetchAsync(int port, string request = "GET / HTTP/1.0\r\n\r\n")
    {
        Socket? connected = null;
        await Eventually.WaitUntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    return true;
                }

                var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), TestContext.Current.CancellationToken);
                    connected = client;
                    return true;
                }
                catch (SocketException)
                {
                    client.Dispose();
                    return false;
                }
            },
            $"{_process.StartInfo.FileName} to answer on port {port}",
            30,
            () => Stdout + Stderr);
        if (connected is null)
        {
            throw new InvalidOperationException($"{_process.StartInfo.FileName} exited before it answered on port {port}\n{Stdout}{Stderr}");
        }

        using (connected)
        {
            using var stream = new NetworkStream(connected);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), TestContext.Current.CancellationToken);
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        }
    }

    public async Task SignalAsync(string signal)
    {
        var result = await Run.AsRootAsync("kill", $"-{signal}", Pid.ToString(CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Waits up to <paramref name="seconds"/> for the process to exit; its exit code.</summary>
    public async Task<int> WaitForExitAsync(double seconds = 20)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary><see cref="Eventually.WaitUntilAsync(Func{bool}, string, double, Func{string})"/>, naming this process's stderr on failure.</summary>
    public Task WaitUntilAsync(Func<bool> condition, string what, double seconds = 20) =>
        Eventually.WaitUntilAsync(condition, what, seconds, () => $"stderr:\n{Stderr}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // It may exit on its own between the check and the signal: only the wait matters here.
                await Run.AsRootAsync("kill", "-TERM", Pid.ToString(CultureInfo.InvariantCulture));
                await WaitForExitAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    private void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            text.AppendLine(line);
        }
    }

    private string Read(StringBuilder text)
    {
        lock (_gate)
        {
            return text.ToString();
        }
    }
}
