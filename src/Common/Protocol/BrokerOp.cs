namespace Privport.Protocol;

/// <summary>The operations a client may ask of the broker.</summary>
internal enum BrokerOp : ushort
{
    Bind = 1,
    Open = 2,
    Query = 3,
    Status = 4,

    /// <summary>STATUS plus a JSON document in a second datagram (docs/protocol.md); 16 leaves 5-15 for decisions.</summary>
    StatusDetail = 16,

    /// <summary>Enrol the caller in a kernel grant (<c>privport wrap --kernel</c>); the reply is followed by one datagram
    /// of text lines saying what was granted and what was left out (docs/protocol.md).</summary>
    KernelEnrol = 17,
}
