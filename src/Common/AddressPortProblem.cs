namespace Privport.Client;

/// <summary>What is wrong with an <c>ADDRESS:PORT</c> text (<see cref="AddressPort"/>).</summary>
internal enum AddressPortProblem
{
    None,

    /// <summary>No <c>:</c> where an address is required.</summary>
    Shape,

    /// <summary>Starts with <c>[</c> but is not <c>[IPV6]:PORT</c>.</summary>
    BracketedAddress,

    /// <summary>The part before the last <c>:</c> is not a canonical IPv4 address (IPv6 needs brackets).</summary>
    Ipv4Address,

    /// <summary>The port is not a number from 1 to 65535.</summary>
    Port,
}
