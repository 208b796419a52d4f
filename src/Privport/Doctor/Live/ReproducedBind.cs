namespace Privport.Doctor.Live;

/// <summary>
/// The result of binding the endpoint live: as whom, and the errno (0 when it bound); or why it could not be tried.
/// A child run as another user also asks the broker, as that user, and <see cref="BrokerAnswer"/> says what it said.
/// </summary>
internal sealed record ReproducedBind(string As, int? Errno, string? NotTried, string? BrokerAnswer = null)
{
    public bool Bound => Errno == 0;
}
