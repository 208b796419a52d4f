using Privport.Client;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Sockets;

/// <summary>
/// One bind of a fresh socket, as a plain server would do it: a dual-stack socket for IPv6, never listen(2) or
/// connect(2), closed at once. It can fail; it cannot disturb a socket that already holds the port. The doctor uses it
/// to reproduce a failure, the demo to find a free port and to show what a direct bind gets.
/// </summary>
internal static class BindProbe
{
    /// <summary>
    /// 0 when the bind succeeded, else the errno. With <paramref name="reuseAddress"/> (SO_REUSEADDR, as most servers
    /// set it) a port held only by connections in TIME_WAIT counts as free.
    /// </summary>
    public static int Try(Endpoint endpoint, bool reuseAddress = false)
    {
        SafeFdHandle? socket = null;
        try
        {
            socket = NativeSocket.CreateInet(endpoint.Protocol, endpoint.Address.AddressFamily);
            if (reuseAddress)
            {
                NativeSocket.SetInt(socket, SOL_SOCKET, SO_REUSEADDR, 1);
            }

            return NativeSocket.Bind(socket, endpoint.Address, endpoint.Port);
        }
        catch (SystemCallException e)
        {
            return e.ErrorNumber;
        }
        finally
        {
            socket?.Dispose();
        }
    }
}
