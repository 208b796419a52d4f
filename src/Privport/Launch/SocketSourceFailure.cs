namespace Privport.Launch;

/// <summary>Why <see cref="SocketSource"/> could not open a socket, for the caller's exit code.</summary>
internal enum SocketSourceFailure
{
    /// <summary>No broker answered.</summary>
    BrokerUnreachable,

    /// <summary>The broker's policy refused the endpoint.</summary>
    Denied,

    /// <summary>The bind or listen failed: the port is in use, the address is not on this host, ….</summary>
    Unavailable,
}
