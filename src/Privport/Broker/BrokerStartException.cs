namespace Privport.Broker;

/// <summary>The broker cannot start; the message says why and what to do.</summary>
internal sealed class BrokerStartException(string message, Exception? inner = null) : Exception(message, inner);
