namespace Privport.Forwarding;

/// <summary>Which PROXY protocol header, if any, the forwarder sends the backend before the client's bytes.</summary>
internal enum ProxyProtocolVersion
{
    None,

    /// <summary>The human-readable line, <c>PROXY TCP4 ...\r\n</c>.</summary>
    V1,

    /// <summary>The binary form, with its 12-byte signature.</summary>
    V2,
}
