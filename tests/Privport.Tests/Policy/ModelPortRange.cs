using Privport.Client;

namespace Privport.Tests.Policy;

/// <summary>A <c>ports</c> entry: one port or an inclusive range of one protocol.</summary>
internal sealed record ModelPortRange(PortProtocol Protocol, ushort First, ushort Last)
{
    public string Toml => First == Last ? $"\"{Endpoint.ProtocolName(Protocol)}/{First}\"" : $"\"{Endpoint.ProtocolName(Protocol)}/{First}-{Last}\"";

    public override string ToString() => Toml;
}
