using System.Diagnostics;
using System.Net.Sockets;
using Privport.Client;
using Privport.Tests.Infrastructure;
using static Privport.Interop.Interop.Libc;

namespace Privport.Tests.Broker;

/// <summary>
/// A broker that does not answer (stuck, overloaded, or an impostor at its path) fails a client's request within the
/// client's timeout, with ETIMEDOUT and a message naming the broker, instead of hanging it: both the shim under
/// privport wrap and PrivportClient. Ports 810-819 on loopback belong to this class.
/// </summary>
public sealed class ClientTimeoutTests(StagedPrivport privport)
{
    private const uint Service = 61810;

    public enum Silence
    {
        /// <summary>Takes the connection into its backlog but never reads: the reply never comes.</summary>
        NeverAnswers,

        /// <summary>Its backlog is full: connect itself waits.</summary>
        BacklogFull,
    }

    [Theory]
    [InlineData(Silence.NeverAnswers)]
    [InlineData(Silence.BacklogFull)]
    public async Task A_wrapped_bind_fails_with_ETIMEDOUT_within_PRIVPORT_TIMEOUT_MS_when_the_broker_is_silent(Silence silence)
    {
        Privilege.RequireRoot();
        Assert.SkipWhen(Packaging.RepositoryFiles.FindTool("cc") is null, "needs a C compiler to build the wrapped program");
        string directory = Directory.CreateTempSubdirectory("privport-silent-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        try
        {
            string program = Path.Combine(directory, "bind_latency");
            var compile = await Run.AsRootAsync("cc", "-std=c11", "-o", program, Path.Combine(AppContext.BaseDirectory, "Broker", "bind_latency.c"));
            Assert.True(compile.ExitCode == 0, compile.ToString());
            using var broker = SilentBroker.Start(Path.Combine(directory, "broker.sock"), silence);

            var started = Stopwatch.GetTimestamp();
            var result = await Run.AsUidAsync(Service, "/usr/bin/env", "PRIVPORT_TIMEOUT_MS=300", privport.Executable, "wrap", "--socket", broker.Path, "--", program, "811", "1");
            var elapsed = Stopwatch.GetElapsedTime(started);

            Assert.True(result.Stdout.Trim() == $"error {ETIMEDOUT}", $"expected bind() to fail with ETIMEDOUT: {result}");
            Assert.Contains($"the broker at {broker.Path} did not", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("within 300 ms (PRIVPORT_TIMEOUT_MS)", result.Stderr, StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"took {elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(Silence.NeverAnswers)]
    [InlineData(Silence.BacklogFull)]
    public async Task PrivportClient_fails_with_ETIMEDOUT_within_its_timeout_when_the_broker_is_silent(Silence silence)
    {
        string directory = Directory.CreateTempSubdirectory("privport-silent-").FullName;
        try
        {
            using var broker = SilentBroker.Start(Path.Combine(directory, "broker.sock"), silence);
            var client = new PrivportClient(broker.Path) { Timeout = TimeSpan.FromMilliseconds(300) };

            var started = Stopwatch.GetTimestamp();
            var error = await Assert.ThrowsAsync<PrivportException>(() => client.QueryAsync(Endpoint.Parse("tcp/127.0.0.1:812"), cancellationToken: TestContext.Current.CancellationToken));
            var elapsed = Stopwatch.GetElapsedTime(started);

            Assert.Equal(ETIMEDOUT, error.Errno);
            Assert.Contains(broker.Path, error.Message, StringComparison.Ordinal);
            Assert.Contains("within 0.3 s", error.Message, StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromSeconds(3), $"took {elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A SEQPACKET socket at a broker's path that never accepts; with a full backlog when asked.</summary>
    private sealed class SilentBroker : IDisposable
    {
        private readonly Socket _listener;
        private readonly Socket? _filler;

        private SilentBroker(string path, Socket listener, Socket? filler)
        {
            Path = path;
            _listener = listener;
            _filler = filler;
        }

        public string Path { get; }

        public static SilentBroker Start(string path, Silence silence)
        {
            var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);

            // An AF_UNIX listener with backlog 0 holds one pending connection; the next connect waits.
            listener.Listen(silence == Silence.BacklogFull ? 0 : 16);
            Socket? filler = null;
            if (silence == Silence.BacklogFull)
            {
                filler = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
                filler.Connect(new UnixDomainSocketEndPoint(path));
            }

            return new SilentBroker(path, listener, filler);
        }

        public void Dispose()
        {
            _filler?.Dispose();
            _listener.Dispose();
        }
    }
}
