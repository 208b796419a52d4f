using Microsoft.Extensions.Logging;
using Privport.Client;
using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>
/// Runs the event loops over bound listeners: one loop per CPU by default, each accepting from every TCP listener;
/// UDP flows live in the first loop. Stopping drains: listeners close at once, open connections get until the drain
/// deadline to finish, and whatever is left is then reset.
/// </summary>
internal sealed class Forwarder : IDisposable
{
    private readonly IReadOnlyList<ListenerSlot> _listeners;
    private readonly ForwardSettings _settings;
    private readonly ILogger _logger;
    private readonly List<EventLoop> _loops = [];
    private readonly List<Thread> _threads = [];
    private readonly ConnectionBudget _budget;
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionDistributor? _distributor;
    private int _schedulingWarned;

    /// <param name="openFileLimit">The soft RLIMIT_NOFILE the default connection cap is derived from.</param>
    public Forwarder(IReadOnlyList<ListenerSlot> listeners, ForwardSettings settings, long openFileLimit, ILogger logger)
    {
        _listeners = listeners;
        _settings = settings;
        _logger = logger;
        bool tcp = listeners.Any(listener => listener.Rule.Listen.Protocol == PortProtocol.Tcp);
        LoopCount = !tcp ? 1 : settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        ConnectionCap = settings.MaxConnections ?? DescriptorBudget.DefaultCap(openFileLimit, listeners.Count, LoopCount);
        _budget = new ConnectionBudget(ConnectionCap);
    }

    /// <summary>Event-loop threads: one per CPU unless --threads says otherwise, one when there is no TCP listener.</summary>
    public int LoopCount { get; }

    /// <summary>Open connections and flows at most (0: no limit), as given or derived from the open-file limit.</summary>
    public int ConnectionCap { get; }

    /// <summary>Every listener's counters added up, as of now (each <see cref="ListenerSlot"/> has its own).</summary>
    public ForwarderStatistics Total => ForwarderStatistics.Sum(_listeners.Select(listener => listener.Statistics));

    public void Start()
    {
        var tcp = _listeners.Where(listener => listener.Rule.Listen.Protocol == PortProtocol.Tcp).ToArray();
        var udp = _listeners.Where(listener => listener.Rule.Listen.Protocol == PortProtocol.Udp).ToArray();
        int count = LoopCount;
        _distributor = new ConnectionDistributor(count);
        for (int i = 0; i < count; i++)
        {
            var loop = new EventLoop(i, tcp, i == 0 ? udp : [], _settings, _budget, _distributor, _logger);
            _loops.Add(loop);
            var thread = new Thread(() => RunLoop(loop)) { IsBackground = true, Name = $"privport-forward-{i}" };
            _threads.Add(thread);
        }

        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Forwards until <paramref name="stopping"/> fires, then drains; false when an event loop failed.</summary>
    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (stopping.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(stopped.Task, _failed.Task);
        }

        bool healthy = !_failed.Task.IsCompleted;
        await Task.Run(Drain, CancellationToken.None);
        return healthy;
    }

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }

        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _distributor?.Dispose();
    }

    private void Drain()
    {
        ForwardLog.Draining(_logger, _settings.DrainTimeout.TotalSeconds, _budget.Open);
        var deadline = DateTime.UtcNow + _settings.DrainTimeout;
        foreach (var loop in _loops)
        {
            loop.Drain();
        }

        foreach (var loop in _loops)
        {
            loop.ListenersReleased.WaitOne(TimeSpan.FromSeconds(5));
        }

        // Closed listeners refuse new connections at once instead of letting them wait in the backlog.
        foreach (var listener in _listeners)
        {
            if (listener.Rule.Listen.Protocol == PortProtocol.Tcp)
            {
                listener.Dispose();
            }
        }

        bool finished = _threads.All(thread => thread.Join(Remaining(deadline)));
        if (!finished)
        {
            ForwardLog.DrainDeadline(_logger, _budget.Open);
            foreach (var loop in _loops)
            {
                loop.Abort();
            }

            foreach (var thread in _threads)
            {
                thread.Join(TimeSpan.FromSeconds(5));
            }
        }

        var total = Total;
        ForwardLog.Stopped(_logger, total.Accepted, total.Refused, total.BackendUnreachable, total.BytesClientToBackend, total.BytesBackendToClient);
    }

    private void RunLoop(EventLoop loop)
    {
        if (_settings.Scheduling == LoopScheduling.Batch && ThreadScheduling.UseBatch() is var errno && errno != 0
            && Interlocked.Exchange(ref _schedulingWarned, 1) == 0)
        {
            ForwardLog.SchedulingRefused(_logger, Errno.Describe(errno));
        }

        try
        {
            loop.Run();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            ForwardLog.LoopFailed(_logger, e.ToString());
            _failed.TrySetResult();
        }
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
