using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Privport.Broker;
using Privport.Client;
using Privport.Demo;
using Privport.Launch;
using Privport.Policy;
using Privport.HostFacts;
using Privport.Sockets;

namespace Privport.Commands;

/// <summary>
/// <c>privport demo</c>: a broker on a temporary socket, a web server as nobody on a privileged loopback port through
/// it, a page fetched from it, a denied impostor, and the audit log; everything removed afterwards.
/// </summary>
internal sealed class DemoCommand
{
    private static readonly ushort[] CandidatePorts = [80, 81, 88, 280, 591, 777, 880, 980];

    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public DemoCommand(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        if (!CurrentProcess.IsRoot)
        {
            await _error.WriteLineAsync("privport demo: needs root, to start a broker and run a web server as uid 65534 (nobody). Run it with sudo.");
            return ExitCodes.NoPermission;
        }

        var privport = PrivportExecutable.Current();

        if (FreePrivilegedPort() is not { } port)
        {
            await _error.WriteLineAsync($"privport demo: every port it tries on 127.0.0.1 ({string.Join(", ", CandidatePorts)}) is in use.");
            return ExitCodes.Software;
        }

        using var stage = DemoStage.Create("privport-demo-");
        string socketPath = Path.Combine(stage.Directory, "broker.sock");
        string policyPath = Path.Combine(stage.Directory, "policy.toml");
        string auditPath = Path.Combine(stage.Directory, "audit.jsonl");
        var endpoint = new Endpoint(PortProtocol.Tcp, IPAddress.Loopback, port);
        await File.WriteAllTextAsync(policyPath, DemoPolicy.Render(stage.Executable, port), cancellation);

        await Step($"1. The policy ({policyPath}):");
        await _out.WriteAsync(await File.ReadAllTextAsync(policyPath, cancellation));

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        var logger = loggers.CreateLogger("privport");
        var policy = new PolicyStore(policyPath, new SystemAccountDirectory(), logger);
        using var audit = new AuditLog(Stream.Null, auditPath);
        var options = new BrokerOptions(socketPath, policyPath, auditPath, TimeSpan.FromSeconds(5));
        using var server = new BrokerServer(options, new RequestHandler(policy, audit, new BrokerStatistics(), TimeProvider.System), new PeerIdentityReader(logger), logger);
        server.Start();
        using var stopBroker = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var broker = server.RunAsync(stopBroker.Token);
        await Step($"2. Broker listening on {socketPath} (as root; the only privileged process).");

        int result = await RunWebServerAsync(privport, stage, socketPath, endpoint, cancellation);
        if (result == ExitCodes.Ok)
        {
            await Step($"5. An impostor: another binary, same uid 65534, asks for {endpoint}:");
            string impostor = stage.CopyExecutableAs("impostor");
            var (_, probeOutput) = await RunAsNobodyAsync(privport, impostor, ["probe", "--socket", socketPath, "--mode", "open", endpoint.ToString()], cancellation);
            await _out.WriteAsync(Indent(probeOutput));
        }

        await stopBroker.CancelAsync();
        await broker;
        await Step($"6. The audit log ({auditPath}), one JSON line per decision:");
        await _out.WriteAsync(Indent(await File.ReadAllTextAsync(auditPath, cancellation)));
        await Step(result == ExitCodes.Ok ? "Demo complete; broker stopped, temporary files removed." : "Demo failed; see the messages above.");
        return result;
    }

    private async Task<int> RunWebServerAsync(PrivportExecutable privport, DemoStage stage, string socketPath, Endpoint endpoint, CancellationToken cancellation)
    {
        await Step($"3. Starting a web server as uid {DemoPolicy.Uid} (nobody), asking the broker for {endpoint}:");
        var info = UnprivilegedProcess.StartInfo(privport, DemoPolicy.Uid, DemoPolicy.Gid, stage.Executable,
            [DemoHttpServerCommand.Verb, "--socket", socketPath, endpoint.ToString()]);
        using var server = UnprivilegedProcess.Start(info);
        var errors = server.StandardError.ReadToEndAsync(cancellation);
        try
        {
            using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            startup.CancelAfter(TimeSpan.FromSeconds(30));
            while (await server.StandardOutput.ReadLineAsync(startup.Token) is { } line)
            {
                await _out.WriteLineAsync($"   {line}");
                if (line.StartsWith(DemoHttpServerCommand.ListeningLine, StringComparison.Ordinal))
                {
                    break;
                }
            }

            if (server.HasExited && server.ExitCode != 0)
            {
                await _error.WriteAsync(Indent(await errors));
                return ExitCodes.Software;
            }

            await Step($"4. Fetching http://{endpoint.Address}:{endpoint.Port}/ :");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = await http.GetAsync(new Uri($"http://{endpoint.Address}:{endpoint.Port}/"), cancellation);
            await _out.WriteLineAsync($"   HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            await _out.WriteAsync(Indent(await response.Content.ReadAsStringAsync(cancellation)));
            await server.WaitForExitAsync(cancellation);
            return response.IsSuccessStatusCode ? ExitCodes.Ok : ExitCodes.Software;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            await _error.WriteLineAsync($"privport demo: the web server did not answer: {e.Message}");
            return ExitCodes.Software;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsNobodyAsync(PrivportExecutable privport, string program, string[] arguments, CancellationToken cancellation)
    {
        using var process = UnprivilegedProcess.Start(UnprivilegedProcess.StartInfo(privport, DemoPolicy.Uid, DemoPolicy.Gid, program, arguments));
        var output = process.StandardOutput.ReadToEndAsync(cancellation);
        var errors = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return (process.ExitCode, await output + await errors + $"(exit code {process.ExitCode})\n");
    }

    private static ushort? FreePrivilegedPort()
    {
        foreach (ushort candidate in CandidatePorts)
        {
            // As the web server binds: a port held only by connections in TIME_WAIT is free for it.
            if (BindProbe.Try(new Endpoint(PortProtocol.Tcp, IPAddress.Loopback, candidate), reuseAddress: true) == 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private Task Step(string text) => _out.WriteLineAsync($"\n==> {text}");

    private static string Indent(string text) =>
        string.Concat(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => $"   {line}\n"));
}
