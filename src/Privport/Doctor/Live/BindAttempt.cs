using Privport.Client;
using Privport.Interop;

namespace Privport.Doctor.Live;

/// <summary>
/// One bind of a fresh socket, as a plain server would do it: no SO_REUSEADDR, a dual-stack socket for IPv6, never
/// listen(2) or connect(2), closed at once. It can fail; it cannot disturb a socket that already holds the port.
/// </summary>
internal static class BindAttempt
{
    /// <summary>0 when the bind succeeded, else the errno.</summary>
    public static int Try(Endpoint endpoint)
    {
        using var socket = NativeSocket.CreateInet(endpoint.Protocol, endpoint.Address.AddressFamily);
        return NativeSocket.Bind(socket, endpoint.Address, endpoint.Port);
    }
}
