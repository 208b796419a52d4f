using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Privport.Client;
using Privport.Interop;
using Privport.Forwarding;
using Privport.HostFacts;
using Privport.Launch;
using Privport.Metrics;

namespace Privport.Commands;

/// <summary>
/// <c>privport forward</c>: binds each LISTEN endpoint (as root, else through the broker), drops to <c>--user</c> when
/// root, and forwards connections and datagrams to the TARGETs until SIGTERM or SIGINT, then drains. Runs in the
/// <see cref="ServiceHost"/> <c>serve</c> runs in, so it tells systemd when it forwards and when it stops.
/// </summary>
internal sealed class ForwardCommand
{
    private const string Verb = "privport forward";

    private readonly TextWriter _error;

    public ForwardCommand(TextWriter error)
    {
        _error = error;
    }

    public async Task<int> RunAsync(ForwardRequest request)
    {
        // Before anything is bound and the connection cap is derived from the limit.
        CurrentProcess.RaiseOpenFileLimit();

        InheritedListeners? inherited;
        try
        {
            inherited = ForwardReexec.Take(withConfig: request.ConfigPath is not null);
        }
        catch (ForwardSetupException e)
        {
            await _error.WriteLineAsync($"{Verb}: {e.Message}");
            return ExitCodes.Usage;
        }

        var settings = Settings(request, inherited, out string? configText, out int usage);
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

        bool root = CurrentProcess.IsRoot;
        if (root && settings.User is null)
        {
            // Forwarding as root by accident would hand every client's connection to a root process.
            await _error.WriteLineAsync(request.ConfigPath is { } file
                ? $"{Verb}: {file} has no user = \"...\", so the forwarder would run as root. Add user = \"www-data\" (the account to run as once the ports are bound), or user = \"root\" to keep root on purpose"
                : $"{Verb}: running as root without --user would forward as root. Add --user USER (the account to run as once the ports are bound, e.g. --user www-data), or --user root to keep root on purpose");
            return request.ConfigPath is not null ? ExitCodes.Config : ExitCodes.Usage;
        }

        TargetAccount? account = null;
        if (settings.User is not null)
        {
            if (!TargetAccount.TryResolve(settings.User, settings.Group, out account, out string? error))
            {
                await _error.WriteLineAsync($"{Verb}: {error}");
                return ExitCodes.NoUser;
            }

            if (!root && account.Uid != CurrentProcess.EffectiveUid)
            {
                await _error.WriteLineAsync($"{Verb}: only root can switch to --user {settings.User}; run as root, or leave out --user to forward as yourself with ports from the broker");
                return ExitCodes.NoPermission;
            }
        }

        if (inherited is null && root && account is { IsRoot: false })
        {
            return await BindAndBecome(account, settings, request.SocketPath, configText);
        }

        // Only now: BindAndBecome replaces this process image, which must inherit the NOTIFY_SOCKET the host takes out
        // of the environment.
        using var host = ServiceHost.Create();
        var logger = host.Logger;

        // The host's SIGTERM and SIGINT handling is in place before any listener is, so a stop never finds it missing.
        await host.StartAsync();

        var listeners = new List<ListenerSlot>(settings.Rules.Length);
        Forwarder? forwarder = null;
        try
        {
            if (inherited is not null)
            {
                listeners = inherited.Slots(settings.Rules);
                if (account is null || !ForwardReexec.IsDroppedTo(account))
                {
                    listeners.ForEach(listener => listener.Dispose());
                    await _error.WriteLineAsync($"{Verb}: listeners were passed across a re-execution, but this process does not run as the --user it names without privileges (uid {CurrentProcess.EffectiveUid}); start privport forward again");
                    return ExitCodes.Software;
                }

                ForwardLog.PrivilegesDropped(logger, account.Name, account.Uid, account.Gid);
            }
            else
            {
                var binder = new ListenerBinder(request.SocketPath);
                for (int i = 0; i < settings.Rules.Length; i++)
                {
                    listeners.Add(binder.Bind(i, settings.Rules[i]));
                }

                if (root)
                {
                    ForwardLog.StayingRoot(logger);
                }
            }

#pragma warning disable CA2000 // Owned by the using (forwarder) block below, or closed in the catch when Start fails.
            forwarder = new Forwarder(listeners, settings, DescriptorBudget.OpenFileLimit(), logger);
#pragma warning restore CA2000
            LogLimits(logger, forwarder, settings);
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
            // Start fails part-way (an event loop's epoll or eventfd): the loops made so far are the forwarder's to close.
            forwarder?.Dispose();
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

            // Logged, and READY=1 sent, once metrics are served too, so whoever waits for either finds everything up.
            foreach (var listener in listeners)
            {
                ForwardLog.Listening(logger, listener.Rule.Name + ProxyNote(listener.Rule), listener.BoundBy);
            }

            host.Ready(Describe(listeners));
            await using (metricsEndpoint)
            {
                bool healthy = await forwarder.RunAsync(host.Stopping);
                await host.StopAsync();
                return healthy ? ExitCodes.Ok : ExitCodes.Software;
            }
        }
    }

    /// <summary>
    /// Binds every listener as root, then drops to <paramref name="account"/> and executes privport again with them
    /// (<see cref="ForwardReexec"/>), so that no thread of the forwarder keeps what root had. Returns only on failure.
    /// Nothing here awaits: binding, the drop and the execve run on this one thread, as credentials are per thread.
    /// </summary>
    private async Task<int> BindAndBecome(TargetAccount account, ForwardSettings settings, string? socketPath, string? configText)
    {
        var listeners = new List<ListenerSlot>(settings.Rules.Length);
        string? failure;
        int exit;
        try
        {
            var binder = new ListenerBinder(socketPath);
            for (int i = 0; i < settings.Rules.Length; i++)
            {
                listeners.Add(binder.Bind(i, settings.Rules[i]));
            }

            ForwardReexec.Replace(account, listeners, configText);
            throw new UnreachableException();
        }
        catch (ForwardSetupException e)
        {
            (failure, exit) = (e.Message, ExitCodes.Unavailable);
        }
        catch (PrivilegeDropException e)
        {
            // 78: the unit's RestartPreventExitStatus= stops the restarts that cannot succeed until the unit changes.
            (failure, exit) = ($"cannot become {account}: {e.Message}", ExitCodes.Config);
        }
        catch (SystemCallException e)
        {
            (failure, exit) = ($"cannot become {account} and execute privport again: {e.Message}; the privport executable must be executable by that user", ExitCodes.Software);
        }

        listeners.ForEach(listener => listener.Dispose());
        await _error.WriteLineAsync($"{Verb}: {failure}");
        return exit;
    }

    private static void LogLimits(ILogger logger, Forwarder forwarder, ForwardSettings settings)
    {
        long openFiles = DescriptorBudget.OpenFileLimit();
        int listeners = settings.Rules.Length;
        int derived = DescriptorBudget.DefaultCap(openFiles, listeners, forwarder.LoopCount);
        string source = settings.MaxConnections is null
            ? string.Create(CultureInfo.InvariantCulture, $"from the open-file limit of {openFiles}, {DescriptorBudget.PerConnection} descriptors each; --max-conns sets another")
            : "as given";
        if (forwarder.ConnectionCap == 0)
        {
            ForwardLog.NoConnectionLimit(logger, openFiles, derived);
        }
        else
        {
            ForwardLog.Limits(logger, forwarder.ConnectionCap, source, settings.TcpIdleTimeout.TotalSeconds, settings.UdpFlowTimeout.TotalSeconds);
            long needed = DescriptorBudget.Needed(forwarder.ConnectionCap, listeners, forwarder.LoopCount);
            if (needed > openFiles)
            {
                ForwardLog.CapAboveOpenFileLimit(logger, forwarder.ConnectionCap, needed, openFiles, derived);
            }
        }

        if (settings.TcpIdleTimeout == TimeSpan.Zero)
        {
            ForwardLog.NoIdleTimeout(logger, settings.UdpFlowTimeout.TotalSeconds);
        }
    }

    /// <summary>The STATUS= line <c>systemctl status</c> shows: the forwards, or their count when they are many.</summary>
    private static string Describe(List<ListenerSlot> listeners)
    {
        string forwards = string.Join(", ", listeners.Select(listener => listener.Rule.Name));
        return forwards.Length <= 200
            ? $"forwarding {forwards}"
            : string.Create(CultureInfo.InvariantCulture, $"forwarding {listeners.Count} listeners");
    }

    private static string ProxyNote(ForwardRule rule) => rule.ProxyProtocol switch
    {
        ProxyProtocolVersion.V1 => " with PROXY protocol v1",
        ProxyProtocolVersion.V2 => " with PROXY protocol v2",
        _ => string.Empty,
    };

    /// <summary>
    /// The settings from the command line and the config file (its text passed on by <paramref name="inherited"/>
    /// after a re-execution); <paramref name="configText"/> is the file's text, to pass on.
    /// </summary>
    private ForwardSettings? Settings(ForwardRequest request, InheritedListeners? inherited, out string? configText, out int exit)
    {
        exit = ExitCodes.Usage;
        configText = null;
        var proxy = ProxyProtocolVersion.None;
        if (request.ProxyProtocol is { } proxyText && !ForwardRule.TryParseProxyProtocol(proxyText, out proxy))
        {
            return Fail($"--proxy-protocol '{proxyText}' is not v1 or v2");
        }

        if (request.MaxConnections is { } maxConnections && ForwardLimits.CheckMaxConnections(maxConnections) is { } connectionsProblem)
        {
            return Fail($"--max-conns {maxConnections} {connectionsProblem}");
        }

        TimeSpan? idleTimeout = null;
        if (request.IdleTimeout is { } idleText)
        {
            if (!ForwardLimits.TryParseDuration(idleText, out var idle))
            {
                return Fail($"--idle-timeout '{idleText}' is not a duration; give {ForwardLimits.DurationForms}");
            }

            if (ForwardLimits.CheckIdleTimeout(idle) is { } idleProblem)
            {
                return Fail($"--idle-timeout {idleText} {idleProblem}");
            }

            idleTimeout = idle;
        }

        TimeSpan? drainTimeout = null;
        if (request.DrainTimeout is { } drainText)
        {
            if (!ForwardLimits.TryParseDuration(drainText, out var drain))
            {
                return Fail($"--drain-timeout '{drainText}' is not a duration; give {ForwardLimits.DurationForms}");
            }

            if (ForwardLimits.CheckDrainTimeout(drain) is { } drainProblem)
            {
                return Fail($"--drain-timeout {drainText} {drainProblem}");
            }

            drainTimeout = drain;
        }

        if (request.Threads is { } threads && ForwardLimits.CheckThreads(threads) is { } threadsProblem)
        {
            return Fail($"--threads {threads} {threadsProblem}");
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
                text = inherited?.ConfigText ?? File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                exit = ExitCodes.Config;
                return Fail($"cannot read {path}: {e.Message}");
            }

            configText = text;

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

            settings = new ForwardSettings(rules.ToImmutable(), null, null, null, null, ForwardSettings.DefaultDrainTimeout, 0);
        }

        return settings with
        {
            User = request.User ?? settings.User,
            Group = request.Group ?? settings.Group,
            MaxConnections = request.MaxConnections ?? settings.MaxConnections,
            IdleTimeout = idleTimeout ?? settings.IdleTimeout,
            DrainTimeout = drainTimeout ?? settings.DrainTimeout,
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
