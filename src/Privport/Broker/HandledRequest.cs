using Privport.Client.Interop;
using Privport.Client.Protocol;

namespace Privport.Broker;

/// <summary>The reply to send, the socket to pass with it (OPEN), and whether the connection ends afterwards.</summary>
internal readonly record struct HandledRequest(BrokerReply Reply, SafeFdHandle? Socket, bool CloseConnection);
