using System.Net;
using Privport.Client;

namespace Privport.Tests.Policy;

/// <summary>Who asks (as the kernel reports it) and what for.</summary>
internal sealed record ModelRequest(uint Uid, uint Gid, uint[] Groups, string? Exe, PortProtocol Protocol, IPAddress Address, ushort Port, bool V6Only)
{
    public override string ToString() =>
        $"uid {Uid} gid {Gid} groups [{string.Join(',', Groups)}] exe {Exe ?? "(unreadable)"} {new Endpoint(Protocol, Address, Port)}{(V6Only ? " v6only" : "")}";
}
