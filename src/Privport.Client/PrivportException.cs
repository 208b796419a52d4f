namespace Privport.Client;

/// <summary>The broker refused or failed a request, or could not be reached.</summary>
public sealed class PrivportException : Exception
{
    /// <summary>Creates an exception for a broker answer or a failure to reach the broker.</summary>
    public PrivportException(string message, int errno, ReplyDecision decision, string reason, bool brokerUnreachable = false, Exception? inner = null)
        : base(message, inner)
    {
        Errno = errno;
        Decision = decision;
        Reason = reason;
        BrokerUnreachable = brokerUnreachable;
    }

    /// <summary>The errno the broker reported: EACCES (13) for a policy denial, or the bind's own errno.</summary>
    public int Errno { get; }

    /// <summary>Whether a policy decision was made, and which.</summary>
    public ReplyDecision Decision { get; }

    /// <summary>The broker's reason, as it wrote it.</summary>
    public string Reason { get; }

    /// <summary>True when no broker answered on the socket (not running, wrong path, or no permission on the socket).</summary>
    public bool BrokerUnreachable { get; }
}
