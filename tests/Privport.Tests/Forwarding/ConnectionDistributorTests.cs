using Privport.Interop;
using Privport.Forwarding;

namespace Privport.Tests.Forwarding;

public sealed class ConnectionDistributorTests
{
    [Fact]
    public void Each_connection_goes_to_the_loop_holding_fewest_and_a_tie_stays_where_it_was_accepted()
    {
        using var distributor = new ConnectionDistributor(3);

        Assert.Equal(0, distributor.Assign(0));
        Assert.Equal(1, distributor.Assign(0));
        Assert.Equal(2, distributor.Assign(0));
        Assert.Equal(1, distributor.Assign(1));
        Assert.Equal(0, distributor.Assign(1));

        // Loads now 2, 2, 1; two of loop 0's end.
        distributor.Released(0);
        distributor.Released(0);
        Assert.Equal(0, distributor.Assign(2));
        Assert.Equal(2, distributor.Assign(2));
    }

    [Fact]
    public void A_retired_loop_gets_nothing_and_retires_only_when_it_holds_nothing()
    {
        using var distributor = new ConnectionDistributor(2);
        Assert.Equal(0, distributor.Assign(0));
        Assert.Equal(1, distributor.Assign(0));

        Assert.False(distributor.TryRetire(1));
        distributor.Released(1);
        Assert.True(distributor.TryRetire(1));

        // Loop 1 now holds none, fewer than loop 0, but it has ended.
        Assert.Equal(0, distributor.Assign(0));
        Assert.Equal(0, distributor.Assign(0));
    }

    [Fact]
    public unsafe void A_handed_over_connection_waits_in_the_loops_queue_and_sets_its_signal()
    {
        using var distributor = new ConnectionDistributor(2);
        using var epoll = new Epoll();
        epoll.Add(distributor.SignalOf(1).Handle, Privport.Interop.Interop.Libc.EPOLLIN, 7);
        Span<ulong> keys = stackalloc ulong[4];
        Span<int> events = stackalloc int[4];
        Assert.Equal(0, epoll.Wait(keys, events, 0));

        var (client, other) = SocketPair();
        using (other)
        {
            distributor.HandOver(1, new HandedOverConnection(null!, client, [1, 2, 3]));

            Assert.Equal(1, epoll.Wait(keys, events, 0));
            Assert.Equal(7UL, keys[0]);
            Assert.False(distributor.TryTake(0, out _));
            Assert.True(distributor.TryTake(1, out var taken));
            Assert.Same(client, taken.Client);
            Assert.Equal([1, 2, 3], taken.Peer);
            Assert.False(distributor.TryTake(1, out _));

            distributor.SignalOf(1).Clear();
            Assert.Equal(0, epoll.Wait(keys, events, 0));
            client.Dispose();
        }
    }

    [Fact]
    public void Connections_still_queued_are_closed_with_the_distributor()
    {
        var (client, other) = SocketPair();
        using (other)
        {
            using (var distributor = new ConnectionDistributor(2))
            {
                distributor.HandOver(1, new HandedOverConnection(null!, client, []));
            }

            Assert.True(client.IsClosed);
        }
    }

    private static unsafe (SafeFdHandle, SafeFdHandle) SocketPair()
    {
        int* fds = stackalloc int[2];
        Assert.Equal(0, Privport.Interop.Interop.Libc.socketpair(Privport.Interop.Interop.Libc.AF_UNIX, Privport.Interop.Interop.Libc.SOCK_STREAM | Privport.Interop.Interop.Libc.SOCK_CLOEXEC, 0, fds));
        return (new SafeFdHandle(fds[0]), new SafeFdHandle(fds[1]));
    }
}
