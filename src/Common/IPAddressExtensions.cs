using System.Net;
using System.Net.Sockets;

namespace Privport.Client;

internal static class IPAddressExtensions
{
    public static long ScopeIdOrZero(this IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? address.ScopeId : 0;
}
