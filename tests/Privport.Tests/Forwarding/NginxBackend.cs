using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Privport.Tests.Forwarding;

/// <summary>A real nginx (foreground, one process, as root) on a loopback ephemeral port, in its own temporary prefix.</summary>
public sealed class NginxBackend : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _prefix;

    private NginxBackend(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public string Target => $"127.0.0.1:{Port}";

    public static void Require() =>
        Assert.SkipUnless(File.Exists(Executable), $"needs nginx ({Executable}; test.sh installs nginx-light)");

    /// <summary>Starts nginx with <paramref name="listenOptions"/> on its listen line and <paramref name="location"/> for /.</summary>
    public static async Task<NginxBackend> StartAsync(string listenOptions, string location)
    {
        string prefix = Directory.CreateTempSubdirectory("privport-forward-nginx-").FullName;
        int port = ForwardClient.UnusedPort(IPAddress.Loopback);
        string config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log stderr;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{prefix}};
                proxy_temp_path {{prefix}};
                fastcgi_temp_path {{prefix}};
                uwsgi_temp_path {{prefix}};
                scgi_temp_path {{prefix}};
                server {
                    listen 127.0.0.1:{{port}} {{listenOptions}};
                    location / { {{location}} }
                }
            }
            """);
        var info = new ProcessStartInfo(Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-c", config, "-p", prefix + "/", "-e", "stderr" })
        {
            info.ArgumentList.Add(argument);
        }

        var nginx = new NginxBackend(Process.Start(info)!, prefix, port);
        nginx._process.BeginErrorReadLine();
        nginx._process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return nginx;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !nginx._process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_prefix, recursive: true);
    }
}
