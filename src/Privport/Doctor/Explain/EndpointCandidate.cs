namespace Privport.Doctor.Explain;

/// <summary>A place in the excerpt that may say which address and port failed, with how much it is believed.</summary>
/// <param name="Address">The address beside the port, normalized; null when the form names none.</param>
/// <param name="Port">The port (1-65535).</param>
/// <param name="Protocol">The protocol when the form itself names one (<c>listen udp</c>).</param>
/// <param name="Index">Where the span starts in the excerpt.</param>
/// <param name="Length">The span's length.</param>
/// <param name="Form">How it was recognised.</param>
/// <param name="Score">How strongly the form alone says "this is the endpoint that failed".</param>
internal sealed record EndpointCandidate(string? Address, int Port, string? Protocol, int Index, int Length, string Form, int Score);
