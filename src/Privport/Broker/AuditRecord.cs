using Privport.Client;
using Privport.Client.Protocol;
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
    Endpoint? Endpoint);
