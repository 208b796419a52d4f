namespace Privport.Client;

/// <summary>The transport protocol of a port; values are the IPPROTO numbers used on the wire.</summary>
public enum PortProtocol : byte
{
    /// <summary>TCP (IPPROTO_TCP).</summary>
    Tcp = 6,

    /// <summary>UDP (IPPROTO_UDP).</summary>
    Udp = 17,
}
