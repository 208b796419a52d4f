using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Forwarding;

/// <summary>
/// privport forward running as a user past fs.pipe-user-pages-soft, where the kernel makes each new pipe two pages
/// whatever size is asked: a response its client is slow to take still arrives whole. Before, the forwarder read 16 KiB
/// at a time and, when the client took only part, reset the connection because the rest did not fit such a pipe, so
/// any local user holding pipes under the same uid could break the forwarder's transfers. Port 440 on loopback and
/// uid 61950 belong to this class.
/// </summary>
public sealed class ForwardPipeQuotaTests(StagedPrivport privport)
{
    private const uint Uid = 61950;
    private const int Port = 440;
    private const int Chunks = 256;
    private const int Readers = 6;

    // Holds pipes as the uid until it is past its soft page quota, then prints the size of a new pipe and waits.
    private const string PipeHog = """
        import fcntl, os, resource, sys
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        pipes = []
        for _ in range(4000):
            r, w = os.pipe()
            pipes.append(w)
            try:
                fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ
            except OSError:
                pass
            if fcntl.fcntl(w, 1032) < 16384:  # F_GETPIPE_SZ
                break
        print(fcntl.fcntl(pipes[-1], 1032), flush=True)
        sys.stdin.read()
        """;

    [Fact]
    public async Task A_slow_reader_gets_every_byte_while_the_forwarders_user_only_gets_two_page_pipes()
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(File.ReadAllText("/proc/sys/fs/pipe-user-pages-soft").Trim() == "0",
            "fs.pipe-user-pages-soft is 0 on this host, so no user's pipes are ever made smaller");
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, Uid, Uid, "/usr/bin/python3", ["-c", PipeHog]);
        info.RedirectStandardInput = true;
        using var hog = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        try
        {
            string? line = await hog.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask()
                .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            Assert.True(int.TryParse(line, out int pipeSize) && pipeSize < 16384, $"the new pipes of uid {Uid} did not shrink: '{line}'");

            // 16 KiB at a time with a pause, so the forwarder often finds its pipe empty and takes the recv/send path.
            var chunk = new byte[16384];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (byte)(i * 7);
            }

            await using var backend = new TcpBackend(IPAddress.Loopback, async socket =>
            {
                for (int sent = 0; sent < Chunks; sent++)
                {
                    await socket.SendAsync(chunk);
                    await Task.Delay(2);
                }

                socket.Shutdown(SocketShutdown.Send);
            });
            string uid = Uid.ToString(CultureInfo.InvariantCulture);
            await using var forwarder = await RunningForwarder.StartAsync(privport, 1,
                "--user", uid, "--group", uid, "--threads", "1", $"tcp/127.0.0.1:{Port}", backend.Target);

            // Slow readers with a small window, so the forwarder's sends come up short; several at once, as whether
            // a short send meets a small pipe depends on timing.
            var readers = Enumerable.Range(0, Readers).Select(_ => ReadSlowlyAsync(forwarder)).ToArray();
            foreach (byte[] bytes in await Task.WhenAll(readers))
            {
                Assert.Equal(Chunks * chunk.Length, bytes.Length);
                for (int at = 0; at < bytes.Length; at += chunk.Length)
                {
                    Assert.True(chunk.AsSpan().SequenceEqual(bytes.AsSpan(at, chunk.Length)), $"the bytes at {at} arrived changed");
                }
            }
        }
        finally
        {
            hog.Kill();
            await hog.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task<byte[]> ReadSlowlyAsync(RunningForwarder forwarder)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), TestContext.Current.CancellationToken);
        var received = new MemoryStream();
        var buffer = new byte[3000];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int read;
            do
            {
                await Task.Delay(4, deadline.Token);
                read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                received.Write(buffer, 0, read);
            }
            while (read > 0);
        }
        catch (SocketException e)
        {
            Assert.Fail($"a connection ended with {e.SocketErrorCode} after {received.Length} bytes; the forwarder said:\n{forwarder.Stderr}");
        }

        return received.ToArray();
    }
}
