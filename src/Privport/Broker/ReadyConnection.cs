namespace Privport.Broker;

/// <summary>A connection with its key in <see cref="WaitingConnections"/>, to which it returns after its turn.</summary>
internal sealed record ReadyConnection(ulong Key, BrokerConnection Connection);
