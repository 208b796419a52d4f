using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Privport.Systemd;

namespace Privport.Commands;

/// <summary>
/// The Generic Host the long-running verbs (<c>serve</c>, <c>forward</c>) run in: their log lines on stderr as
/// <see cref="ServiceLogging"/> writes them (privport's from Information, the libraries' from Warning), SIGTERM,
/// SIGINT and SIGQUIT starting an orderly stop (<see cref="Stopping"/>), and sd_notify(3) for a <c>Type=notify</c>
/// unit: READY=1 when the verb says it serves (<see cref="Ready"/>), STOPPING=1 as the stop begins.
/// </summary>
/// <remarks>
/// Not AddSystemd(): its lifetime sends READY=1 as soon as the host starts, which is before anything listens (the host
/// starts first, so that a stop never finds its signal handling missing), and keeps NOTIFY_SOCKET in the environment.
/// </remarks>
internal sealed class ServiceHost : IDisposable
{
    /// <summary>The category of privport's own log lines.</summary>
    public const string LoggerCategory = "privport";

    private readonly IHost _host;
    private readonly CancellationTokenRegistration _stopping;

    private ServiceHost(IHost host, SystemdNotifier notifier)
    {
        _host = host;
        Notifier = notifier;
        Logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
        Stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        _stopping = Stopping.Register(notifier.Stopping);
    }

    public ILogger Logger { get; }

    /// <summary>NOTIFY_SOCKET, taken from the environment when the host was made.</summary>
    public SystemdNotifier Notifier { get; }

    /// <summary>Cancelled when a stop begins: on a signal, or on <see cref="StopAsync"/>.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>
    /// Builds the host. Made after anything that replaces the process image (forward's re-execution as its
    /// <c>--user</c>): reading NOTIFY_SOCKET takes it out of the environment.
    /// </summary>
    public static ServiceHost Create()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        ServiceLogging.Configure(builder.Logging);
        builder.Logging.AddFilter((category, level) => level >= (category == LoggerCategory ? LogLevel.Information : LogLevel.Warning));
        return new ServiceHost(builder.Build(), SystemdNotifier.FromEnvironment());
    }

    /// <summary>Puts the signal handling in place; nothing else starts with it.</summary>
    public Task StartAsync() => _host.StartAsync(CancellationToken.None);

    /// <summary>READY=1 with <paramref name="status"/>, which <c>systemctl status</c> shows.</summary>
    public void Ready(string status) => Notifier.Ready(status);

    /// <summary>Begins the stop if no signal has (STOPPING=1), and waits for the host to end.</summary>
    public Task StopAsync() => _host.StopAsync(CancellationToken.None);

    public void Dispose()
    {
        // The registration first: its disposal waits for a STOPPING=1 under way, so none is sent on a closed socket.
        _stopping.Dispose();
        _host.Dispose();
        Notifier.Dispose();
    }
}
