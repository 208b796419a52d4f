using Privport.Interop;

namespace Privport.Forwarding;

/// <summary>A bound listening (or, for UDP, receiving) socket and the rule it serves.</summary>
internal sealed class ListenerSlot : IDisposable
{
    public ListenerSlot(int index, ForwardRule rule, SafeFdHandle socket, string boundBy)
    {
        Index = index;
        Rule = rule;
        Socket = socket;
        BoundBy = boundBy;
        TargetAddress = SocketAddressBytes.From(rule.Target);
    }

    public int Index { get; }

    /// <summary>This listener's counters.</summary>
    public ForwarderStatistics Statistics { get; } = new();

    public ForwardRule Rule { get; }

    public SafeFdHandle Socket { get; }

    /// <summary>"as root" or "by the broker", for the start-up log line.</summary>
    public string BoundBy { get; }

    /// <summary>The backend as a sockaddr, built once for every connect.</summary>
    public byte[] TargetAddress { get; }

    public void Dispose() => Socket.Dispose();
}
