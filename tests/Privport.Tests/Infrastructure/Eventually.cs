namespace Privport.Tests.Infrastructure;

/// <summary>
/// Waiting for a condition instead of sleeping a fixed time: a test goes on as soon as the thing it waits for has
/// happened, and on a loaded machine it waits longer instead of failing.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails naming <paramref name="what"/> after <paramref name="seconds"/>.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, double seconds = 20, Func<string>? context = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, seconds, context);

    /// <summary>As above, for a condition that has to wait on something itself (a connection, a process).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, double seconds = 20, Func<string>? context = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"timed out after {seconds} s waiting for {what}" + (context is null ? "" : $"\n{context()}"));
            }

            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }
}
