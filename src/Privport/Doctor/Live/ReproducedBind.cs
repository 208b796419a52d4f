namespace Privport.Doctor.Live;

/// <summary>
/// The result of binding the endpoint live: as whom, and the errno (0 when it bound); or why it could not be tried.
/// </summary>
internal sealed record ReproducedBind(string As, int? Errno, string? NotTried)
{
    public bool Bound => Errno == 0;
}
