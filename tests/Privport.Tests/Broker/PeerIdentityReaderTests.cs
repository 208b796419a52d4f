using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Privport.Broker;
using Privport.Interop;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Broker;

/// <summary>The broker's view of a peer, read from the kernel for a real client process.</summary>
public sealed class PeerIdentityReaderTests(StagedPrivport privport) : IDisposable
{
    private const uint Member = 61890;

    /// <summary>A policy naming groups and exe, so the reader reads both.</summary>
    private static readonly Privport.Policy.PortPolicy NamingGroupsAndExe =
        Policy.TestPolicies.Load("[[allow]]\ngroups = [\"4242\"]\nexe = [\"/bin/sh\"]\nports = [\"tcp/80\"]\n");

    private readonly string _directory = Directory.CreateTempSubdirectory("privport-peer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Accepts one <c>privport probe</c>, started as root or, through setpriv, as <see cref="Member"/> with <paramref name="groups"/>.</summary>
    private async Task<(Socket Connection, Process Client)> AcceptClientAsync(uint[]? groups = null)
    {
        string path = Path.Combine(_directory, "peer.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        string[] probe = ["probe", "--socket", path, "tcp/80"];
        ProcessStartInfo info;
        if (groups is null)
        {
            info = new ProcessStartInfo(privport.Executable, probe);
        }
        else
        {
            File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
            info = SetprivProcess.StartInfo(Privilege.Setpriv, Member, Member, privport.Executable, probe);
            int clear = info.ArgumentList.IndexOf("--clear-groups");
            info.ArgumentList[clear] = "--groups";
            info.ArgumentList.Insert(clear + 1, string.Join(',', groups));
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var client = Process.Start(info)!;
        var connection = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        return (connection, client);
    }

    private static async Task<string> StatAsync(string path)
    {
        var stat = await Run.AsRootAsync("stat", "-L", "-c", "%Hd:%Ld:%i", path);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
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

            var peer = reader.Read(connection.SafeHandle, credentials, pidfd, NamingGroupsAndExe);

            Assert.Equal(client.Id, peer.Pid);
            Assert.Equal(Privport.Interop.Interop.Libc.geteuid(), peer.Uid);
            Assert.Equal(privport.Executable, peer.Exe);
            Assert.Equal(await StatAsync(privport.Executable), peer.ExeFile.ToString());
            Assert.Equal(NetworkNamespace.CookieOfCurrent(), peer.NetworkNamespace);
            client.Kill();
            await client.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Reads_every_supplementary_group_from_the_connection_however_many()
    {
        Privilege.RequireRoot();

        // More than fit in /proc/PID/status's first 8 KiB, and far more than the first getsockopt's buffer.
        uint[] groups = [.. Enumerable.Range(0, 1400).Select(i => (uint)(100000 + (i * 7)))];
        var (connection, client) = await AcceptClientAsync(groups);
        using (connection)
        using (client)
        {
            var reader = new PeerIdentityReader(NullLogger.Instance);
            var credentials = NativeSocket.PeerCredentials(connection.SafeHandle);
            using var pidfd = reader.OpenPidFd(connection.SafeHandle);

            var peer = reader.Read(connection.SafeHandle, credentials, pidfd, NamingGroupsAndExe);

            Assert.Equal(Member, peer.Uid);
            Assert.Equal(groups, peer.Groups.Order());
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
            string other = Path.Combine(_directory, "nginx");
            await File.WriteAllTextAsync(other, "#!/bin/false\n", TestContext.Current.CancellationToken);
            File.CreateSymbolicLink(Path.Combine(entry, "exe"), other);
            await File.WriteAllTextAsync(Path.Combine(entry, "status"), "Name:\tnginx\nGroups:\t33 4242\n", TestContext.Current.CancellationToken);
            var reader = new PeerIdentityReader(NullLogger.Instance, proc);
            var credentials = NativeSocket.PeerCredentials(connection.SafeHandle);
            using var pidfd = reader.OpenPidFd(connection.SafeHandle);
            var whileAlive = reader.Read(connection.SafeHandle, credentials, pidfd, NamingGroupsAndExe);
            client.Kill();
            await client.WaitForExitAsync(TestContext.Current.CancellationToken);

            var afterExit = reader.Read(connection.SafeHandle, credentials, pidfd, NamingGroupsAndExe);

            Assert.Equal(other, whileAlive.Exe);
            Assert.Equal(await StatAsync(other), whileAlive.ExeFile.ToString());
            Assert.DoesNotContain(4242u, whileAlive.Groups);
            Assert.Equal(credentials.uid, afterExit.Uid);
            Assert.Null(afterExit.Exe);
            Assert.Null(afterExit.ExeFile);
        }
    }
}
