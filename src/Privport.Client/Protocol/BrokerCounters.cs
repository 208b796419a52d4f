namespace Privport.Client;

/// <summary>The broker's counters, as reported by a STATUS request.</summary>
public readonly record struct BrokerCounters(
    ulong UptimeSeconds, ulong Requests, ulong Granted, ulong Denied, ulong Errors, ulong PolicyRules);
