using Privport.Client;
using Privport.Doctor.Explain;
using Privport.Doctor.Live;

namespace Privport.Doctor;

/// <summary>One failed bind with everything known about it, as the cause rules read it.</summary>
internal sealed record Situation(
    DoctorRequest Request,
    ExplainedMessage Message,
    Endpoint? Endpoint,
    string Protocol,
    string? Address,
    int? Port,
    Explain.BindErrno? Errno,
    ReproducedBind? Reproduction,
    ProbedHost Facts,
    IReadOnlySet<string> Verbs)
{
    public string Target => Endpoint?.ToString() ?? (Port is { } port ? $"{Protocol}/{Address ?? "*"}:{port}" : "the bind");

    public string? UserName => Request.User?.Name;

    public string? ProgramName => Request.Executable is { } exe ? Path.GetFileName(exe) : Message.Program;
}
