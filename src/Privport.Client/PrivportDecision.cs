namespace Privport.Client;

/// <summary>The broker's answer to a QUERY: whether the caller may bind the endpoint, and by which rule or why not.</summary>
/// <param name="Allowed">True when a rule allows the endpoint.</param>
/// <param name="Reason">The rule that matched, or why none did.</param>
public readonly record struct PrivportDecision(bool Allowed, string Reason);
