namespace Privport.Doctor.Explain;

/// <summary>
/// What a pasted error message says about a failed bind. Every field is null when the message does not say it:
/// a message without a port has <see cref="Port"/> null, never a guess.
/// </summary>
/// <param name="Program">The program that wrote the message (<c>nginx</c>, <c>spring-boot</c>, ...).</param>
/// <param name="Protocol"><c>tcp</c> or <c>udp</c>.</param>
/// <param name="Address">The address as the program wrote it, brackets removed; <c>*</c> for "all addresses".</param>
/// <param name="Port">The port.</param>
/// <param name="Errno">The failure the message reports.</param>
/// <param name="ErrnoCaveat">Why the message's errno should not be taken at its word, when the program is known to mislabel.</param>
/// <param name="PortEvidence">Where the port was read and how it was recognised.</param>
/// <param name="ErrnoEvidence">Where the errno was read and how it was recognised.</param>
internal sealed record ExplainedMessage(
    string? Program,
    string? Protocol,
    string? Address,
    int? Port,
    BindErrno? Errno,
    string? ErrnoCaveat,
    Evidence? PortEvidence = null,
    Evidence? ErrnoEvidence = null)
{
    public static readonly ExplainedMessage Empty = new(null, null, null, null, null, null);
}
