using Privport.Client;
using Privport.Interop;
using Privport.Protocol;

namespace Privport.Broker;

/// <summary>
/// The reply to send, the socket to pass with it (OPEN), whether the connection ends afterwards, and the JSON
/// document that follows a STATUS_DETAIL reply as a second datagram. <see cref="OpenedFor"/> names the endpoint of an
/// OPEN socket, which the caller reports to <see cref="RequestHandler.Released"/> once its copy is closed.
/// </summary>
internal readonly record struct HandledRequest(BrokerReply Reply, SafeFdHandle? Socket, bool CloseConnection, byte[]? Detail = null, Endpoint? OpenedFor = null);
