using System.Net;

namespace Privport.HostFacts;

/// <summary>One row of /proc/net/{tcp,tcp6,udp,udp6}: a socket bound to a local address and port.</summary>
internal sealed record SocketEntry(string Protocol, IPAddress Address, int Port, int State, uint Uid, ulong Inode)
{
    public const int TcpListen = 0x0A;
    public const int TcpTimeWait = 0x06;

    public bool IsListening => Protocol.StartsWith("udp", StringComparison.Ordinal) || State == TcpListen;

    public bool IsTimeWait => Protocol.StartsWith("tcp", StringComparison.Ordinal) && State == TcpTimeWait;

    public string Display => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"{Protocol} [{Address}]:{Port}"
        : $"{Protocol} {Address}:{Port}";
}
