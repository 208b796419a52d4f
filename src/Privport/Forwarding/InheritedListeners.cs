using System.Collections.Immutable;
using System.Globalization;
using Privport.Client;
using Privport.Interop;
using static Privport.Interop.Interop.Libc;

namespace Privport.Forwarding;

/// <summary>The listeners and config text a privileged start passed across its re-execution (<see cref="ForwardReexec"/>).</summary>
internal sealed record InheritedListeners(IReadOnlyList<SafeFdHandle> Sockets, string? ConfigText)
{
    /// <summary>The sockets as listener slots for <paramref name="rules"/>, in order, each checked against its rule.</summary>
    /// <exception cref="ForwardSetupException">The sockets do not match the rules.</exception>
    public List<ListenerSlot> Slots(ImmutableArray<ForwardRule> rules)
    {
        if (Sockets.Count != rules.Length)
        {
            throw new ForwardSetupException(string.Create(CultureInfo.InvariantCulture,
                $"{Sockets.Count} listeners were passed across the re-execution for {rules.Length} forwards; start privport forward again"));
        }

        var slots = new List<ListenerSlot>(rules.Length);
        for (int i = 0; i < rules.Length; i++)
        {
            var rule = rules[i];
            int type = rule.Listen.Protocol == PortProtocol.Tcp ? SOCK_STREAM : SOCK_DGRAM;
            if (NativeSocket.GetInt(Sockets[i], SOL_SOCKET, SO_TYPE, tolerated: ENOTSOCK) != type
                || NativeSocket.LocalName(Sockets[i]) is not { } name || name.Port != rule.Listen.Port)
            {
                throw new ForwardSetupException(string.Create(CultureInfo.InvariantCulture,
                    $"descriptor {ListenFds.FirstDescriptor + i} passed across the re-execution is not the socket for {rule.Listen}; start privport forward again"));
            }

            NonblockingIo.SetNonblocking(Sockets[i]);
            slots.Add(new ListenerSlot(i, rule, Sockets[i], "by this process"));
        }

        return slots;
    }
}
