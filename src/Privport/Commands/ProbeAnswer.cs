using Privport.Client;

namespace Privport.Commands;

/// <summary>What the broker answered a probe: the outcome, its reason, and the errno (0 when granted).</summary>
internal sealed record ProbeAnswer(Endpoint Endpoint, ProbeMode Mode, ProbeOutcome Outcome, string Reason, int Errno);
