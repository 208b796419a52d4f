using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Live;

namespace Privport.Doctor;

/// <summary>
/// The doctor's answer: what failed (from the message, corrected by the live bind when they disagree), a one-line
/// verdict, the notes that qualify it, the causes found on this host, most likely first, and where in the message the
/// port and errno were read.
/// </summary>
internal sealed record Diagnosis(
    string? Program,
    string? Protocol,
    string? Address,
    int? Port,
    BindErrno? Errno,
    BindErrno? ClaimedErrno,
    ReproducedBind? Reproduction,
    string Verdict,
    IReadOnlyList<string> Notes,
    IReadOnlyList<Cause> Causes,
    Evidence? PortEvidence = null,
    Evidence? ErrnoEvidence = null);
