using System.Runtime.InteropServices;
using Privport.Broker;
using Privport.HostFacts;
using Privport.Metrics;
using Privport.Policy;

namespace Privport.Commands;

/// <summary>
/// <c>privport serve</c>: load the policy, listen (or adopt systemd's socket), serve until SIGTERM; SIGHUP reloads the
/// policy and reopens the audit file. Tells systemd when it is ready and reloading (sd_notify), and serves Prometheus
/// metrics when asked.
/// </summary>
internal sealed class ServeCommand
{
    /// <summary>How long a start waits for a name service that cannot answer yet; well inside TimeoutStartSec's 90 s.</summary>
    private static readonly TimeSpan NameServicePatience = TimeSpan.FromSeconds(60);

    private readonly TextWriter _error;

    public ServeCommand(TextWriter error)
    {
        _error = error;
    }

    public async Task<int> RunAsync(ServeRequest request)
    {
        var (policyPath, socketPath, auditPath, auditLinesPerUid, clientTimeoutSeconds, metricsAddress, bpfRoot, onStop) = request;
        MetricsAddress? metricsAt = null;
        if (metricsAddress is not null && !MetricsAddress.TryParse(metricsAddress, out metricsAt, out string? metricsProblem))
        {
            await _error.WriteLineAsync($"privport serve: --metrics {metricsProblem}");
            return ExitCodes.Usage;
        }

        if (clientTimeoutSeconds is <= 0 or > 3600)
        {
            await _error.WriteLineAsync($"privport serve: --client-timeout {clientTimeoutSeconds} is out of range; give 0.1 to 3600 seconds");
            return ExitCodes.Usage;
        }

        if (auditLinesPerUid < 0)
        {
            await _error.WriteLineAsync($"privport serve: --audit-rate {auditLinesPerUid} is negative; give the lines per uid per {AuditThrottle.DefaultInterval.TotalSeconds:0} s, or 0 to write every decision");
            return ExitCodes.Usage;
        }

        ulong descriptorLimit = CurrentProcess.RaiseOpenFileLimit();
        var options = new BrokerOptions(socketPath, policyPath, auditPath, TimeSpan.FromSeconds(clientTimeoutSeconds));
        using var host = ServiceHost.Create();
        var logger = host.Logger;
        var notifier = host.Notifier;

        PolicyStore policy;
        try
        {
            policy = PolicyStore.OpenWaitingForNameService(policyPath, new SystemAccountDirectory(), logger, NameServicePatience, host.Stopping);
        }
        catch (PolicyLoadException e)
        {
            await _error.WriteLineAsync($"privport serve: the policy at {policyPath} cannot be loaded; the broker does not start:\n{PolicyStore.Describe(e.Errors)}");
            return ExitCodes.Config;
        }
        catch (NameServiceUnavailableException e)
        {
            // Not Config (78): RestartPreventExitStatus=78 would keep the broker down after sssd or LDAP comes up.
            await _error.WriteLineAsync($"privport serve: the policy at {policyPath} cannot be loaded for now, after {NameServicePatience.TotalSeconds:0} s of trying: {e.Message}. Exiting with {ExitCodes.TempFail} so systemd starts the broker again");
            return ExitCodes.TempFail;
        }

        AuditLog audit;
        try
        {
            // 0 asks for every decision, as sites that must keep each one do; a count no uid reaches does that.
            var throttle = new AuditThrottle(AuditThrottle.DefaultInterval, auditLinesPerUid == 0 ? int.MaxValue : auditLinesPerUid);
#pragma warning disable CA2000 // The using (audit) block just below owns it; the two lines between fail only by ending the process.
            audit = new AuditLog(StandardStreams.Error(), auditPath, logger, throttle: throttle);
#pragma warning restore CA2000
        }
        catch (AuditFileException e)
        {
            await _error.WriteLineAsync($"privport serve: {e.Message}");
            return ExitCodes.Config;
        }

        var metrics = metricsAt is null ? null : new BrokerMetrics();
        using (audit)
        {
            var statistics = new BrokerStatistics(metrics);
            var handler = new RequestHandler(policy, audit, statistics, TimeProvider.System);
            using var server = new BrokerServer(options, handler, new PeerIdentityReader(logger), logger);

            // In step with the policy before READY=1: a unit ordered after privport.service finds its grants in place.
            using var kernel = new KernelGrants(bpfRoot, new SystemAccountDirectory(), logger);
            kernel.Apply(policy.Current);
            using var enrolments = new KernelEnrolments(kernel, logger);
            handler.KernelGrants = kernel;
            handler.KernelEnrolments = enrolments;
            // Opened now where the host allows, so the events of enrolments made later are read too; where it does
            // not, enrolments are refused with the reason and nothing else changes.
            _ = kernel.StoreForEnrolment(out _);
#pragma warning disable CA2000 // Not a using, as SIGHUP may start it later: each return disposes it first, before the grants and audit log it reads.
            var events = KernelEventPump.TryStart(kernel, enrolments, audit, statistics, logger, TimeProvider.System);
#pragma warning restore CA2000

            // The host's SIGTERM handling is in place before the socket appears, so a stop never finds it missing.
            await host.StartAsync();
            try
            {
                server.Start();
            }
            catch (BrokerStartException e)
            {
                events?.Dispose();
                await _error.WriteLineAsync($"privport serve: {e.Message}");
                await host.StopAsync();
                return ExitCodes.Software;
            }

            handler.SocketActivated = server.SocketActivated;
            MetricsEndpoint? metricsEndpoint = null;
            if (metrics is not null)
            {
                try
                {
                    metricsEndpoint = MetricsEndpoint.Start(metricsAt!, metrics.Registry);
                    BrokerLog.MetricsListening(logger, metricsAt!.ToString());
                }
                catch (MetricsStartException e)
                {
                    events?.Dispose();
                    await _error.WriteLineAsync($"privport serve: {e.Message}");
                    await host.StopAsync();
                    return ExitCodes.Software;
                }
            }

            await using (metricsEndpoint)
            {
                using var reload = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
                {
                    context.Cancel = true;
                    notifier.Reloading();
                    if (policy.Reload())
                    {
                        PeerVisibility.WarnIfBlind(policy.Current, policyPath, logger);
                        kernel.Apply(policy.Current);
                        events ??= KernelEventPump.TryStart(kernel, enrolments, audit, statistics, logger, TimeProvider.System);
                    }

                    audit.Reopen();

                    notifier.Ready(Describe(policy));
                });
                BrokerLog.Listening(logger, server.ListenPath, policyPath, policy.Current.Rules.Length);
                BrokerLog.ConnectionCaps(logger, descriptorLimit, server.Caps.Total, server.Caps.RootReserve, server.Caps.PerUid);
                if (policy.Current.Rules.IsEmpty)
                {
                    BrokerLog.PolicyEmpty(logger, policyPath);
                }

                PeerVisibility.WarnIfBlind(policy.Current, policyPath, logger);
                host.Ready(Describe(policy));
                await server.RunAsync(host.Stopping);
                events?.Dispose();
                if (onStop == KernelGrantsOnStop.Revoke)
                {
                    kernel.Withdraw();
                }

                await host.StopAsync();
            }
        }

        return ExitCodes.Ok;
    }

    private static string Describe(PolicyStore policy) => policy.Current.Rules.IsEmpty
        ? $"serving; the policy {policy.Path} has NO rules, so every request is denied"
        : $"serving; policy {policy.Path}: {policy.Current.Rules.Length} rules";
}
