using System.Net.Sockets;
using System.Text;

namespace Privport.Tests.Infrastructure;

/// <summary>systemd's side of sd_notify in a test: the next datagram on the test's NOTIFY_SOCKET, within 20 s.</summary>
public static class NotifyMessages
{
    /// <param name="notify">The bound datagram socket whose path the service got as NOTIFY_SOCKET.</param>
    /// <param name="context">What to show when nothing comes, such as the service's stderr.</param>
    public static async Task<string> ReceiveAsync(Socket notify, Func<string> context)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            int length = await notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no notification within 20 s; the service's stderr:\n{context()}");
        }
    }
}
