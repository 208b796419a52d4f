namespace Privport.Policy;

/// <summary>
/// What an OPEN asks for beyond the endpoint that only a rule's opt-in allows, because the socket is the broker's:
/// SO_REUSEPORT (<see cref="ReusePort"/>) and a peer outside the broker's network namespace
/// (<see cref="OtherNetworkNamespace"/>). BIND and QUERY ask for neither: <c>default</c>.
/// </summary>
internal readonly record struct OpenTerms(bool ReusePort, bool OtherNetworkNamespace);
