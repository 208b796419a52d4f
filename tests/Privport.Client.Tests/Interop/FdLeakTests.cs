using System.Runtime.InteropServices;
using Privport.Interop;

namespace Privport.Client.Tests.Interop;

/// <summary>Counts the whole process's descriptors, so it runs alone (see <see cref="FdAccounting"/>).</summary>
[Collection(nameof(FdAccounting))]
public sealed class FdLeakTests : IDisposable
{
    private const int Rounds = 1000;

    // The runtime may open a descriptor or two of its own (an eventfd, a timer) while the loop runs.
    private const int Noise = 3;

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_thousand_send_and_receive_rounds_with_fds_leak_no_descriptor()
    {
        var (sender, receiver) = Descriptors.SeqpacketPair();
        using (sender)
        using (receiver)
        using (var file = File.OpenHandle(temp.File("leak"), FileMode.CreateNew, FileAccess.ReadWrite))
        {
            var buffer = new byte[64];
            Round(sender, receiver, file, buffer);
            int before = SettledOpenCount();

            for (int i = 0; i < Rounds; i++)
            {
                Round(sender, receiver, file, buffer);
            }

            int after = Descriptors.OpenCount();
            Assert.True(after - before <= Noise, $"{after - before} more descriptors open after {Rounds} rounds");
        }
    }

    [Fact]
    public void A_thousand_rounds_of_several_fds_and_truncated_control_data_leak_no_descriptor()
    {
        var (sender, receiver) = Descriptors.SeqpacketPair();
        var files = Enumerable.Range(0, UnixMessage.MaxReceivedFds + 1)
            .Select(i => File.OpenHandle(temp.File($"many{i}"), FileMode.CreateNew, FileAccess.ReadWrite)).ToArray();
        try
        {
            var buffer = new byte[4];
            ManyRound(sender, receiver, files, buffer);
            int before = SettledOpenCount();

            for (int i = 0; i < Rounds; i++)
            {
                ManyRound(sender, receiver, files, buffer);
            }

            int after = Descriptors.OpenCount();
            Assert.True(after - before <= Noise, $"{after - before} more descriptors open after {Rounds} rounds");
        }
        finally
        {
            sender.Dispose();
            receiver.Dispose();
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }

    // Handles other tests dropped undisposed would otherwise be finalized, and their descriptors closed, mid-count.
    private static int SettledOpenCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Descriptors.OpenCount();
    }

    private static void Round(SafeFdHandle sender, SafeFdHandle receiver, SafeHandle file, byte[] buffer)
    {
        UnixMessage.Send(sender, "round"u8, file);
        var message = UnixMessage.Receive(receiver, buffer);
        Assert.Single(message.Fds).Dispose();
    }

    private static void ManyRound(SafeFdHandle sender, SafeFdHandle receiver, SafeHandle[] files, byte[] buffer)
    {
        UnixMessageTests.SendRaw(sender, "a payload longer than the buffer"u8, files);
        var message = UnixMessage.Receive(receiver, buffer);
        Assert.True(message.Truncated && message.ControlTruncated);
        foreach (var fd in message.Fds)
        {
            fd.Dispose();
        }
    }
}
