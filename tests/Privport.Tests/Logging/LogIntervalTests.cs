using Privport.Logging;

namespace Privport.Tests.Logging;

/// <summary>The one throttle for log lines a client can cause at will, in the broker and the forwarder alike.</summary>
public sealed class LogIntervalTests
{
    [Fact]
    public void One_line_per_interval_and_the_next_says_how_many_were_left_out()
    {
        var log = new LogInterval(TimeSpan.FromSeconds(1));

        Assert.True(log.TryEnter(10_000, out string first));
        Assert.Equal(string.Empty, first);
        Assert.False(log.TryEnter(10_001, out _));
        Assert.False(log.TryEnter(10_500, out _));
        Assert.False(log.TryEnter(10_999, out _));
        Assert.True(log.TryEnter(11_000, out string next));
        Assert.Equal(" (3 more like it since the last line)", next);
        Assert.True(log.TryEnter(12_000, out string quiet));
        Assert.Equal(string.Empty, quiet);
    }

    [Fact]
    public async Task Threads_racing_on_one_instance_let_exactly_one_line_through_and_lose_no_count()
    {
        var log = new LogInterval(TimeSpan.FromSeconds(1));
        const int Threads = 8;
        const int Each = 10_000;
        int entered = 0;

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < Each; i++)
            {
                if (log.TryEnter(50_000, out string _))
                {
                    Interlocked.Increment(ref entered);
                }
            }
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(1, entered);
        Assert.True(log.TryEnter(51_000, out string note));
        Assert.Equal($" ({(Threads * Each) - 1} more like it since the last line)", note);
    }
}
