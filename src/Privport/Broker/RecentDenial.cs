namespace Privport.Broker;

/// <summary>One denial as <c>privport status</c> shows it.</summary>
internal sealed record RecentDenial(DateTimeOffset Time, string Op, uint Uid, int Pid, string? Exe, string Endpoint, string? NearestRule, string Reason);
