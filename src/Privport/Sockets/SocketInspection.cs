namespace Privport.Sockets;

/// <summary>What the broker found on a socket a client sent for BIND: fit to bind, or why not (EINVAL).</summary>
internal readonly record struct SocketInspection(bool Usable, bool Ipv6Only, string? Problem)
{
    public static SocketInspection Fit(bool ipv6Only) => new(true, ipv6Only, null);

    public static SocketInspection Unfit(string problem) => new(false, false, problem);
}
