namespace Privport.Forwarding;

/// <summary>What became of a connection after the event loop handled an event for it.</summary>
internal enum ConnectionState
{
    Open,

    /// <summary>Both directions ended, or one side failed and the other was reset; the descriptors are closed.</summary>
    Closed,

    /// <summary>The backend could not be reached; the client was reset and the descriptors are closed.</summary>
    BackendUnreachable,
}
