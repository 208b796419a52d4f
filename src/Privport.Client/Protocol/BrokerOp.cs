namespace Privport.Client.Protocol;

/// <summary>The operations a client may ask of the broker.</summary>
internal enum BrokerOp : ushort
{
    Bind = 1,
    Open = 2,
    Query = 3,
    Status = 4,
}
