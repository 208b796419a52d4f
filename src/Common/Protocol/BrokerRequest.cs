using System.Net;
using Privport.Client;

namespace Privport.Protocol;

/// <summary>One request datagram, decoded and range-checked.</summary>
internal readonly record struct BrokerRequest(BrokerOp Op, Endpoint Endpoint, BindOptions Flags, uint ScopeId)
{
    public static BrokerRequest Status() => new(BrokerOp.Status, new Endpoint(PortProtocol.Tcp, IPAddress.Any, 0), BindOptions.None, 0);
}
