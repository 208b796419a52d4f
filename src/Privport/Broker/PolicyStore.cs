using Microsoft.Extensions.Logging;
using Privport.Policy;

namespace Privport.Broker;

/// <summary>
/// The policy in force. A reload swaps in a new policy only when it loads completely; otherwise the last good one stays.
/// </summary>
internal sealed class PolicyStore
{
    private readonly IAccountDirectory _accounts;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private PortPolicy _current;
    private long _loadedAtMilliseconds;

    /// <exception cref="PolicyLoadException">The policy at <paramref name="path"/> cannot be loaded.</exception>
    public PolicyStore(string path, IAccountDirectory accounts, ILogger logger, TimeProvider? clock = null)
    {
        Path = path;
        _accounts = accounts;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _current = PolicyLoader.Load(path, new CachingAccountDirectory(accounts, _clock));
        _loadedAtMilliseconds = _clock.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>When the policy in force was read.</summary>
    public DateTimeOffset LoadedAt => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _loadedAtMilliseconds));

    /// <summary>When a reload last failed, and why; null while the last reload succeeded.</summary>
    public (DateTimeOffset At, string Errors)? LastReloadFailure { get; private set; }

    public string Path { get; }

    public PortPolicy Current => Volatile.Read(ref _current);

    public bool Reload()
    {
        try
        {
            // A cache per policy: a reload looks every user name up afresh.
            var policy = PolicyLoader.Load(Path, new CachingAccountDirectory(_accounts, _clock));
            Interlocked.Exchange(ref _loadedAtMilliseconds, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            Volatile.Write(ref _current, policy);
            LastReloadFailure = null;
            BrokerLog.PolicyReloaded(_logger, Path, policy.Rules.Length);
            if (policy.Rules.IsEmpty)
            {
                BrokerLog.PolicyEmpty(_logger, Path);
            }

            return true;
        }
        catch (PolicyLoadException e)
        {
            string errors = Describe(e.Errors);
            LastReloadFailure = (_clock.GetUtcNow(), errors);
            BrokerLog.PolicyReloadFailed(_logger, Path, Current.Rules.Length, errors);
            return false;
        }
    }

    public static string Describe(IReadOnlyList<PolicyError> errors) =>
        string.Join('\n', errors.Select(error => $"  {error}"));
}
