using Privport.Client;
using Privport.Policy;

namespace Privport.Doctor.Probes;

/// <summary>
/// A running privport broker and what it says: the broker's own answer (QUERY, for the calling user) and what its
/// policy file decides for the user and program in question.
/// </summary>
internal sealed record BrokerFacts(string SocketPath, bool Running, string? QueryAnswer, string? PolicyPath, string? PolicyAnswer, bool? PolicyAllows)
{
    public static async Task<BrokerFacts> ProbeAsync(
        string socketPath, string policyPath, IAccountDirectory accounts, UserAccount? user, string? executable, Endpoint endpoint, bool askAsCaller, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        bool running = false;
        string? answer = null;
        if (File.Exists(socketPath) || Directory.Exists(Path.GetDirectoryName(socketPath)))
        {
            try
            {
                var client = new PrivportClient(socketPath) { Timeout = TimeSpan.FromSeconds(1) };
                var decision = await client.QueryAsync(endpoint, BindOptions.None, cancellation);
                running = true;
                answer = askAsCaller ? (decision.Allowed ? $"allow: {decision.Reason}" : $"deny: {decision.Reason}") : null;
            }
            catch (PrivportException e) when (e.BrokerUnreachable)
            {
            }
            catch (PrivportException e)
            {
                running = true;
                answer = askAsCaller ? $"deny: {e.Reason}" : null;
            }
        }

        if (user is null || !(File.Exists(policyPath) || Directory.Exists(policyPath)))
        {
            return new BrokerFacts(socketPath, running, answer, File.Exists(policyPath) ? policyPath : null, null, null);
        }

        try
        {
            var policy = PolicyLoader.Load(policyPath, accounts);
            var groups = accounts.GroupsOf(user.Name, user.PrimaryGid);
            var decision = policy.Decide(PeerIdentity.Running(user.Uid, user.PrimaryGid, groups, executable), endpoint, ipv6Only: false);
            return new BrokerFacts(socketPath, running, answer, policyPath,
                decision.Allowed ? $"allow: {decision.Reason}" : $"deny: {decision.Reason}", decision.Allowed);
        }
        catch (PolicyLoadException e)
        {
            return new BrokerFacts(socketPath, running, answer, policyPath, $"the policy does not load: {e.Message}", null);
        }
        catch (UnauthorizedAccessException)
        {
            return new BrokerFacts(socketPath, running, answer, policyPath, "the policy is not readable by this user", null);
        }
    }
}
