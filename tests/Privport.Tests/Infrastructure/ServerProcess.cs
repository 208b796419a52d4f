using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Privport.Tests.Infrastructure;

/// <summary>A server a test started: its output is collected, and it is stopped by its pid when disposed.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServerProcess Start(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var server = new ServerProcess(Process.Start(info)!);
        server._process.OutputDataReceived += server.Collect;
        server._process.ErrorDataReceived += server.Collect;
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Connects to loopback <paramref name="port"/> until the server answers, sends <paramref name="request"/>, returns the reply.</summary>
    public async Task<string> FetchAsync(int port, string request = "GET / HTTP/1.0\r\n\r\n", IPAddress? address = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await client.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port), TestContext.Current.CancellationToken);
            }
            catch (SocketException)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                continue;
            }

            using var stream = new NetworkStream(client);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), TestContext.Current.CancellationToken);
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        }

        throw new InvalidOperationException($"{_process.StartInfo.FileName} never answered on port {port} (exited: {_process.HasExited})\n{Output}");
    }

    /// <summary>Waits for the server to exit by itself.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(limit);
        await _process.WaitForExitAsync(deadline.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        _process.Dispose();
    }

    private void Collect(object sender, DataReceivedEventArgs line)
    {
        if (line.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line.Data);
            }
        }
    }
}
