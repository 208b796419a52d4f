namespace Privport.Launch;

/// <summary>A socket could not be opened; the message says why and what to do (it may span lines).</summary>
internal sealed class SocketSourceException(SocketSourceFailure failure, string message) : Exception(message)
{
    public SocketSourceFailure Failure { get; } = failure;
}
