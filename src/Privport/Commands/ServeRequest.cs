namespace Privport.Commands;

/// <summary>What <c>privport serve</c> was asked to do, as parsed from its command line.</summary>
internal sealed record ServeRequest(
    string PolicyPath,
    string SocketPath,
    string? AuditPath,
    int AuditLinesPerUid,
    double ClientTimeoutSeconds,
    string? MetricsAddress,
    string BpfRoot = Broker.KernelGrants.DefaultBpfRoot,
    KernelGrantsOnStop KernelGrantsOnStop = KernelGrantsOnStop.Revoke);

/// <summary>What becomes of the kernel grants when the broker stops.</summary>
internal enum KernelGrantsOnStop
{
    /// <summary>Fail closed: every grant map is emptied (the pins stay, so the next start restores them in place).</summary>
    Revoke,

    /// <summary>The grants stay in force while no broker runs (no audit lines meanwhile).</summary>
    Keep,
}
