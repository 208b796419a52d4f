using Privport.Client;
using Privport.Doctor.Explain;
using Privport.Policy;

namespace Privport.Doctor;

/// <summary>What the admin asked about: an endpoint, a pasted message, or both; the user and program that failed.</summary>
internal sealed record DoctorRequest(Endpoint? Endpoint, ExplainedMessage? Message, UserAccount? User, string? Executable);
