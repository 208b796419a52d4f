namespace Privport.Forwarding;

/// <summary>The forwarder cannot start: a port cannot be had, a user does not exist. The message says what to do.</summary>
internal sealed class ForwardSetupException(string message) : Exception(message);
