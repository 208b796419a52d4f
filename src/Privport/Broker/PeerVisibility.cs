using Privport.Interop;
using Privport.Policy;

namespace Privport.Broker;

/// <summary>
/// Whether this broker can read other users' executables (/proc/PID/exe needs CAP_SYS_PTRACE) and, under
/// <c>ProtectProc=invisible</c>, see their /proc entries at all. privport.service leaves CAP_SYS_PTRACE out unless
/// the admin adds it, so a policy naming exe is warned about rather than silently never matching. Groups need no
/// /proc: they come with the connection (SO_PEERGROUPS).
/// </summary>
internal static class PeerVisibility
{
    private const int CapSysPtrace = 19;

    public static bool PolicyNeedsIt(PortPolicy policy) => policy.NamesExecutables;

    /// <summary>CAP_SYS_PTRACE in this thread's effective set (capget).</summary>
    public static bool HasPtraceCapability() => (ProcessCredentials.Capabilities().Effective & (1UL << CapSysPtrace)) != 0;

    public static void WarnIfBlind(PortPolicy policy, string policyPath, Microsoft.Extensions.Logging.ILogger logger)
    {
        if (PolicyNeedsIt(policy) && !HasPtraceCapability())
        {
            BrokerLog.PeersUnreadable(logger, policyPath);
        }
    }
}
