namespace Privport.Client;

/// <summary>
/// The broker's detailed status (STATUS_DETAIL): its counters, and <see cref="Json"/>, a JSON object with version,
/// policy files and load time, counters per rule and the last denials, laid out in docs/protocol.md.
/// </summary>
public sealed record BrokerStatusDetail(BrokerCounters Counters, string Json);
