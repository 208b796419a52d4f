using Privport.Client;

namespace Privport.Protocol;

/// <summary>One reply datagram: status 0 or an errno, the decision, and the rule or reason.</summary>
internal readonly record struct BrokerReply(BrokerOp Op, int Status, ReplyDecision Decision, ushort Port, string Reason, BrokerCounters Counters);
