namespace Privport.Metrics;

/// <summary>The metrics endpoint cannot start; the message says why and what to change.</summary>
internal sealed class MetricsStartException(string message, Exception inner) : Exception(message, inner);
