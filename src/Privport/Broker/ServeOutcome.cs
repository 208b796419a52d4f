namespace Privport.Broker;

/// <summary>What became of a connection after one turn of service.</summary>
internal enum ServeOutcome
{
    /// <summary>Nothing more is queued, or its budget for this turn is spent: it waits for its next turn.</summary>
    Waiting,

    /// <summary>Hung up, malformed, or refused: close it.</summary>
    Finished,

    /// <summary>Its client does not read its replies: a reply found no room, so the connection is closed.</summary>
    ReplyWouldBlock,
}
