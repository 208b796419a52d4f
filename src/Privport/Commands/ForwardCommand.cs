using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Privport.Client;
using Privport.Client.Interop;
using Privport.Forwarding;
using Privport.Launch;
using Privport.Metrics;
using static Privport.Client.Interop.Interop.Libc;

namespace Privport.Commands;

/// <summary>
/// <c>privport forward</c>: binds each LISTEN endpoint (as root, else through the broker), drops to <c>--user</c> when
/// root, and forwards connections and datagrams to the TARGETs until SIGTERM or SIGINT, then drains.
/// </summary>
internal sealed class ForwardCommand
{
    private const string Verb = "privport forward";

    private readonly TextWriter _error;

    public ForwardCommand(TextWriter error)
    {
        _error = error;
    }

    public async Task<int> RunAsync(ForwardRequest request, CancellationToken cancellation)
    {
        FileDescriptorLimit.RaiseSoftToHard();
        var settings = Settings(request, out int usage);
        if (settings is null)
        {
            return usage;
        }

        MetricsAddress? metricsAt = null;
        if (request.MetricsAddress is not null && !MetricsAddress.TryParse(request.MetricsAddress, out metricsAt, out string? metricsProblem))
        {
            await _error.WriteLineAsync($"{Verb}: {metricsProblem}");
            return ExitCodes.Usage;
        }

        bool root = geteuid() == 0;
        TargetAccount? account = null;
        if (settings.User is not null)
        {
            if (!TargetAccount.TryResolve(settings.User, settings.Group, out account, out string? error))
            {
                await _error.WriteLineAsync($"{Verb}: {error}");
                return ExitCodes.NoUser;
            }

            if (!root && account.Uid != geteuid())
            {
                await _error.WriteLineAsync($"{Verb}: only root can switch to --user {settings.User}; run as root, or leave out --user to forward as yourself with ports from the broker");
                return ExitCodes.NoPermission;
            }
        }

        using var loggerFactory = LoggerFactory.Create(logging =>
        {
            logging.AddSimpleConsole(console => console.SingleLine = true);
            logging.AddFilter((category, level) => level >= LogLevel.Information);
            logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        var logger = loggerFactory.CreateLogger("privport");

        // Binding, the privilege drop and starting the loop threads run on this one thread with no await between
        // them: capabilities and no_new_privs are per thread, and the loop threads inherit this thread's.
        var listeners = new List<ListenerSlot>(settings.Rules.Length);
        Forwarder forwarder;
        try
        {
            var binder = new ListenerBinder(request.SocketPath);
            for (int i = 0; i < settings.Rules.Length; i++)
            {
                listeners.Add(binder.Bind(i, settings.Rules[i]));
            }

            if (root && account is { IsRoot: false })
            {
                PrivilegeDrop.Apply(account);
                ForwardLog.PrivilegesDropped(logger, account.Name, account.Uid, account.Gid);
            }

            forwarder = new Forwarder(listeners, settings, logger);
            forwarder.Start();
        }
        catch (ForwardSetupException e)
        {
            listeners.ForEach(listener => listener.Dispose());
            await _error.WriteLineAsync($"{Verb}: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (SystemCallException e)
        {
            listeners.ForEach(listener => listener.Dispose());
            await _error.WriteLineAsync($"{Verb}: {e.Message}");
            return ExitCodes.Software;
        }

        using (forwarder)
        {
            MetricsEndpoint? metricsEndpoint = null;
            if (metricsAt is not null)
            {
                try
                {
                    var metrics = new ForwardMetrics(listeners.Select(listener => (listener.Rule.Name, listener.Statistics)).ToArray());
                    metricsEndpoint = MetricsEndpoint.Start(metricsAt, metrics.Registry);
                    ForwardLog.MetricsListening(logger, metricsAt.ToString());
                }
                catch (MetricsStartException e)
                {
                    await _error.WriteLineAsync($"{Verb}: {e.Message}");
                    return ExitCodes.Software;
                }
            }

            // Logged once metrics are served too, so whoever waits for these lines finds everything up.
            foreach (var listener in listeners)
            {
                ForwardLog.Listening(logger, listener.Rule.Name + ProxyNote(listener.Rule), listener.BoundBy);
            }

            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                try
                {
                    stopping.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // System.CommandLine cancels on SIGTERM too: this handler, run later from the thread pool, can
                    // find the stop already done and its token gone.
                }
            }

            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            await using (metricsEndpoint)
            {
                bool healthy = await forwarder.RunAsync(stopping.Token);
                return healthy ? ExitCodes.Ok : ExitCodes.Software;
            }
        }
    }

    private static string ProxyNote(ForwardRule rule) => rule.ProxyProtocol switch
    {
        ProxyProtocolVersion.V1 => " with PROXY protocol v1",
        ProxyProtocolVersion.V2 => " with PROXY protocol v2",
        _ => string.Empty,
    };

    private ForwardSettings? Settings(ForwardRequest request, out int exit)
    {
        exit = ExitCodes.Usage;
        var proxy = ProxyProtocolVersion.None;
        if (request.ProxyProtocol is { } proxyText && !ForwardRule.TryParseProxyProtocol(proxyText, out proxy))
        {
            return Fail($"--proxy-protocol '{proxyText}' is not v1 or v2");
        }

        if (request.MaxConnections is < 0)
        {
            return Fail($"--max-conns {request.MaxConnections} is negative; give 0 (no limit) or more");
        }

        if (request.IdleTimeoutSeconds is <= 0 or > 31_536_000)
        {
            return Fail($"--idle-timeout {request.IdleTimeoutSeconds} is out of range; give seconds from 0.001 to 31536000");
        }

        if (request.DrainTimeoutSeconds is < 0 or > 86_400)
        {
            return Fail($"--drain-timeout {request.DrainTimeoutSeconds} is out of range; give 0 to 86400 seconds");
        }

        if (request.Threads is < 0 or > 256)
        {
            return Fail($"--threads {request.Threads} is out of range; give 1 to 256 (0: one per CPU)");
        }

        var scheduling = LoopScheduling.Batch;
        if (request.Scheduling is { } schedulingText && !LoopSchedulingNames.TryParse(schedulingText, out scheduling))
        {
            return Fail($"--scheduling '{schedulingText}' is not batch or normal");
        }

        ForwardSettings settings;
        if (request.ConfigPath is { } path)
        {
            if (request.Pairs.Count > 0)
            {
                return Fail("give either --config FILE or LISTEN TARGET pairs, not both");
            }

            if (request.ProxyProtocol is not null)
            {
                return Fail("with --config, set proxy_protocol per [[forward]] in the file");
            }

            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                exit = ExitCodes.Config;
                return Fail($"cannot read {path}: {e.Message}");
            }

            var parser = new ForwardConfigParser(path);
            if (parser.Parse(text) is not { } parsed)
            {
                exit = ExitCodes.Config;
                return Fail($"{path} has errors:\n  " + string.Join("\n  ", parser.Errors));
            }

            settings = parsed;
        }
        else
        {
            if (request.Pairs.Count == 0 || request.Pairs.Count % 2 != 0)
            {
                return Fail(request.Pairs.Count == 0
                    ? "give LISTEN TARGET pairs, e.g. privport forward tcp/80 127.0.0.1:8080, or --config FILE"
                    : $"'{request.Pairs[^1]}' has no TARGET: give LISTEN TARGET pairs, e.g. tcp/80 127.0.0.1:8080");
            }

            var rules = ImmutableArray.CreateBuilder<ForwardRule>();
            for (int i = 0; i < request.Pairs.Count; i += 2)
            {
                if (!Endpoint.TryParse(request.Pairs[i], out var listen, out string? problem))
                {
                    return Fail(problem);
                }

                if (!ForwardRule.TryParseTarget(request.Pairs[i + 1], out var target, out string? error))
                {
                    return Fail(error);
                }

                if (ForwardRule.Problem(listen, proxy) is { } mismatch)
                {
                    return Fail(mismatch);
                }

                rules.Add(new ForwardRule(listen, target, proxy));
            }

            settings = new ForwardSettings(rules.ToImmutable(), null, null, 0, null, ForwardSettings.DefaultDrainTimeout, 0);
        }

        return settings with
        {
            User = request.User ?? settings.User,
            Group = request.Group ?? settings.Group,
            MaxConnections = request.MaxConnections ?? settings.MaxConnections,
            IdleTimeout = request.IdleTimeoutSeconds is { } idle ? TimeSpan.FromSeconds(idle) : settings.IdleTimeout,
            DrainTimeout = request.DrainTimeoutSeconds is { } drain ? TimeSpan.FromSeconds(drain) : settings.DrainTimeout,
            Threads = request.Threads ?? settings.Threads,
            Scheduling = request.Scheduling is null ? settings.Scheduling : scheduling,
        };
    }

    private ForwardSettings? Fail(string message)
    {
        _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Verb}: {message}"));
        return null;
    }
}
