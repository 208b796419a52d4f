using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Privport.Broker;
using Privport.Policy;

namespace Privport.Commands;

/// <summary><c>privport serve</c>: load the policy, listen, serve until SIGTERM; SIGHUP reloads the policy.</summary>
internal sealed class ServeCommand
{
    private readonly TextWriter _error;

    public ServeCommand(TextWriter error)
    {
        _error = error;
    }

    public async Task<int> RunAsync(string policyPath, string socketPath, string? auditPath, double clientTimeoutSeconds, CancellationToken cancellation)
    {
        if (clientTimeoutSeconds is <= 0 or > 3600)
        {
            await _error.WriteLineAsync($"privport serve: --client-timeout {clientTimeoutSeconds} is out of range; give 0.1 to 3600 seconds");
            return ExitCodes.Usage;
        }

        var options = new BrokerOptions(socketPath, policyPath, auditPath, TimeSpan.FromSeconds(clientTimeoutSeconds));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddSystemd();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.AddFilter((category, level) => level >= (category == "privport" ? LogLevel.Information : LogLevel.Warning));
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("privport");

        PolicyStore policy;
        try
        {
            policy = new PolicyStore(policyPath, new SystemAccountDirectory(), logger);
        }
        catch (PolicyLoadException e)
        {
            await _error.WriteLineAsync($"privport serve: the policy at {policyPath} cannot be loaded; the broker does not start:\n{PolicyStore.Describe(e.Errors)}");
            return ExitCodes.Config;
        }

        AuditLog audit;
        try
        {
            audit = new AuditLog(Console.OpenStandardError(), auditPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await _error.WriteLineAsync($"privport serve: cannot open the audit file {auditPath}: {e.Message}. Give a writable path to --audit.");
            return ExitCodes.Config;
        }

        using (audit)
        {
            var handler = new RequestHandler(policy, audit, new BrokerStatistics(), TimeProvider.System);
            using var server = new BrokerServer(options, handler, new PeerIdentityReader(logger), logger);

            // The host's SIGTERM handling is in place before the socket appears, so a stop never finds it missing.
            await host.StartAsync(cancellation);
            try
            {
                server.Start();
            }
            catch (BrokerStartException e)
            {
                await _error.WriteLineAsync($"privport serve: {e.Message}");
                await host.StopAsync(CancellationToken.None);
                return ExitCodes.Software;
            }

            using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                policy.Reload();
            });
            BrokerLog.Listening(logger, socketPath, policyPath, policy.Current.Rules.Length);
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);
            await server.RunAsync(stopping.Token);
            await host.StopAsync(CancellationToken.None);
        }

        return ExitCodes.Ok;
    }
}
