using Privport.Client;
using Privport.Protocol;
using Privport.Policy;

namespace Privport.Broker;

/// <summary>One decision as the audit log records it.</summary>
internal sealed record AuditRecord(
    DateTimeOffset Time,
    BrokerOp Op,
    string Outcome,
    string? RuleId,
    string Reason,
    int Status,
    PeerIdentity Peer,
    Endpoint? Endpoint)
{
    /// <summary>Set for a bind the kernel granted (<c>"path":"kernel"</c>): what the program saw of it.</summary>
    public KernelAuditSource? Kernel { get; init; }
}

/// <summary>Where a kernel-granted bind came from: the task's comm, and the unit or cgroup whose grant let it through.</summary>
internal sealed record KernelAuditSource(string Comm, string? Unit, string? Cgroup, ulong CgroupId);
