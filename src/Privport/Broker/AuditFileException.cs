namespace Privport.Broker;

/// <summary>The audit file cannot be opened safely; the message names it and says what to do.</summary>
internal sealed class AuditFileException(string message) : IOException(message);
