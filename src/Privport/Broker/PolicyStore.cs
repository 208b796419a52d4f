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
    private PortPolicy _current;

    /// <exception cref="PolicyLoadException">The policy at <paramref name="path"/> cannot be loaded.</exception>
    public PolicyStore(string path, IAccountDirectory accounts, ILogger logger)
    {
        Path = path;
        _accounts = accounts;
        _logger = logger;
        _current = PolicyLoader.Load(path, accounts);
    }

    public string Path { get; }

    public PortPolicy Current => Volatile.Read(ref _current);

    public bool Reload()
    {
        try
        {
            var policy = PolicyLoader.Load(Path, _accounts);
            Volatile.Write(ref _current, policy);
            BrokerLog.PolicyReloaded(_logger, Path, policy.Rules.Length);
            return true;
        }
        catch (PolicyLoadException e)
        {
            BrokerLog.PolicyReloadFailed(_logger, Path, Current.Rules.Length, Describe(e.Errors));
            return false;
        }
    }

    public static string Describe(IReadOnlyList<PolicyError> errors) =>
        string.Join('\n', errors.Select(error => $"  {error}"));
}
