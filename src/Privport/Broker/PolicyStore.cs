using Microsoft.Extensions.Logging;
using Privport.Policy;
using Privport.Config;

namespace Privport.Broker;

/// <summary>
/// The policy in force. A reload swaps in a new policy only when it loads completely; otherwise the last good one stays.
/// </summary>
internal sealed class PolicyStore
{
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(8);

    private readonly IAccountDirectory _accounts;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private PortPolicy _current;
    private long _loadedAtMilliseconds;

    /// <exception cref="PolicyLoadException">The policy at <paramref name="path"/> cannot be loaded.</exception>
    /// <exception cref="NameServiceUnavailableException">A name in it could not be looked up just now.</exception>
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
        catch (NameServiceUnavailableException e)
        {
            string errors = $"  {e.Message}";
            LastReloadFailure = (_clock.GetUtcNow(), errors);
            BrokerLog.PolicyReloadFailed(_logger, Path, Current.Rules.Length, errors);
            return false;
        }
    }

    /// <summary>
    /// Loads the policy, waiting out a name service that cannot answer yet (at boot sssd or LDAP may start after the
    /// broker): it tries again after 0.5, 1, 2, 4, 8, 8, ... seconds, logging each failure, for at most
    /// <paramref name="patience"/>. An unknown name is a policy error and is not retried.
    /// </summary>
    /// <exception cref="PolicyLoadException">The policy cannot be loaded.</exception>
    /// <exception cref="NameServiceUnavailableException">The name service still could not answer after <paramref name="patience"/>.</exception>
    public static PolicyStore OpenWaitingForNameService(string path, IAccountDirectory accounts, ILogger logger, TimeSpan patience, CancellationToken cancellation)
    {
        var waited = TimeSpan.Zero;
        var pause = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                return new PolicyStore(path, accounts, logger);
            }
            catch (NameServiceUnavailableException e) when (waited + pause <= patience)
            {
                BrokerLog.NameServiceUnavailable(logger, path, e.Message, pause.TotalSeconds);
                if (cancellation.WaitHandle.WaitOne(pause))
                {
                    throw;
                }

                waited += pause;
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
            }
        }
    }

    public static string Describe(IReadOnlyList<ConfigError> errors) =>
        string.Join('\n', errors.Select(error => $"  {error}"));
}
