using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Privport.Broker;
using Privport.Client.Interop;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>The broker's view of a peer, read from the kernel for a real client process.</summary>
public sealed class PeerIdentityReaderTests(StagedPrivport privport) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("privport-peer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(Socket Connection, Process Client)> AcceptClientAsync()
    {
        string path = Path.Combine(_directory, "peer.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var client = Process.Start(new ProcessStartInfo(privport.Executable, ["probe", "--socket", path, "tcp/80"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var connection = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        return (connection, client);
    }

    [Fact]
    public async Task Reads_uid_gid_pid_and_the_verified_executable_of_a_live_peer()
    {
        var (connection, client) = await AcceptClientAsync();
        using (connection)
        using (client)
        {
            var reader = new PeerIdentityReader(NullLogger.Instance);
            var credentials = NativeSocket.PeerCredentials(connection.SafeHandle);
            using var pidfd = reader.OpenPidFd(connection.SafeHandle);

            var peer = reader.Read(connection.SafeHandle, credentials, pidfd, readGroups: true);

            Assert.Equal(client.Id, peer.Pid);
            Assert.Equal(Interop.Libc.geteuid(), peer.Uid);
            Assert.Equal(privport.Executable, peer.Exe);
            Assert.Equal(NetworkNamespace.CookieOfCurrent(), peer.NetworkNamespace);
            client.Kill();
            await client.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_recycled_pid_lends_nothing_once_the_peer_has_exited()
    {
        var (connection, client) = await AcceptClientAsync();
        using (connection)
        using (client)
        {
            // A stand-in /proc where the peer's pid already belongs to someone else, as after pid reuse.
            string proc = Path.Combine(_directory, "proc");
            string entry = Path.Combine(proc, client.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(entry);
            File.CreateSymbolicLink(Path.Combine(entry, "exe"), "/usr/sbin/nginx");
            await File.WriteAllTextAsync(Path.Combine(entry, "status"), "Name:\tnginx\nGroups:\t33 4242\n", TestContext.Current.CancellationToken);
            var reader = new PeerIdentityReader(NullLogger.Instance, proc);
            var credentials = NativeSocket.PeerCredentials(connection.SafeHandle);
            using var pidfd = reader.OpenPidFd(connection.SafeHandle);
            var whileAlive = reader.Read(connection.SafeHandle, credentials, pidfd, readGroups: true);
            client.Kill();
            await client.WaitForExitAsync(TestContext.Current.CancellationToken);

            var afterExit = reader.Read(connection.SafeHandle, credentials, pidfd, readGroups: true);

            Assert.Equal("/usr/sbin/nginx", whileAlive.Exe);
            Assert.Equal([33u, 4242u], whileAlive.Groups);
            Assert.Equal(credentials.uid, afterExit.Uid);
            Assert.Null(afterExit.Exe);
            Assert.Empty(afterExit.Groups);
        }
    }
}
