namespace Privport.Doctor.Causes;

/// <summary>A reason the bind fails, with a stable id, the evidence found on this host, and fixes ranked by safety.</summary>
internal sealed record Cause(string Id, string Summary, IReadOnlyList<string> Evidence, IReadOnlyList<Fix> Fixes);
