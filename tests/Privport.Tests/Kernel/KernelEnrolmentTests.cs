using System.Collections.Immutable;
using System.Diagnostics;
using System.Net.Sockets;
using Privport.Client;
using Privport.Interop;
using Privport.Kernel;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Kernel;

/// <summary>
/// Enrolments (BPF links on a child cgroup) and a static server under a grant. Ports 965-969 on loopback belong to
/// this class.
/// </summary>
public sealed class KernelEnrolmentTests
{
    private const uint Nobody = 65534;

    private static ImmutableArray<GrantEntry> Grant(ushort port) =>
        [new GrantEntry(AddressFamily.InterNetwork, PortProtocol.Tcp, port, GrantSubject.User(Nobody), false, 0x7f000001, 32, 0)];

    [Fact]
    public async Task Enrolment_grants_hold_while_a_link_holder_lives_and_end_when_it_exits()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string parent = host.CgroupDir(host.CreateCgroup());
        using var store = KernelGrantStore.Open(host.PinRoot);
        using var enrolled = Process.Start("sleep", "60");
        Process? holder = null;
        try
        {
            var enrolment = store.Enrol(parent, enrolled.Id, Grant(965), 7);
            Assert.True(enrolment.IsPopulated);
            Assert.Contains($"{enrolled.Id}", File.ReadAllText(Path.Combine(enrolment.CgroupDirectory, "cgroup.procs")));
            Assert.Equal("ok", (await host.BindAsync(enrolment.CgroupDirectory, Nobody, Nobody, "4", "127.0.0.1", "965", "tcp")).Stdout.Trim());

            // Hand the links to another process (dup drops O_CLOEXEC), then let go of ours: the holder keeps the grant.
            var copies = enrolment.Links.Select(link => Privport.Interop.Interop.Libc.fcntl_fd(link.Fd, 0 /* F_DUPFD */, 500)).ToArray();
            Assert.All(copies, copy => Assert.True(copy >= 500));
            holder = Process.Start("sleep", "60");
            foreach (int copy in copies)
            {
                Privport.Interop.Interop.Libc.close(copy);
            }

            enrolment.Dispose();
            Assert.True(Directory.Exists(enrolment.CgroupDirectory)); // still populated: kept
            Assert.Equal("ok", (await host.BindAsync(enrolment.CgroupDirectory, Nobody, Nobody, "4", "127.0.0.1", "965", "tcp")).Stdout.Trim());

            holder.Kill();
            await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
            string after = "";
            for (int i = 0; i < 50 && after != "errno 13"; i++) // link release runs after the holder's files close
            {
                after = (await host.BindAsync(enrolment.CgroupDirectory, Nobody, Nobody, "4", "127.0.0.1", "965", "tcp")).Stdout.Trim();
                await Task.Delay(after == "errno 13" ? 0 : 20, TestContext.Current.CancellationToken);
            }

            Assert.Equal("errno 13", after);
        }
        finally
        {
            holder?.Dispose();
            enrolled.Kill();
            await enrolled.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task A_static_server_as_nobody_serves_a_privileged_loopback_port_under_the_grant()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string cgroup = host.CreateCgroup();
        using var store = KernelGrantStore.Open(host.PinRoot);
        store.Sync(new KernelGrantPlan(ImmutableDictionary<GrantScope, ImmutableArray<GrantEntry>>.Empty.Add(GrantScope.Cgroup(cgroup), Grant(966)), ["web"]));
        Assert.Contains("statically linked", (await Run.AsRootAsync("file", host.Client)).Stdout);

        var server = host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "127.0.0.1", "966", "tcp", "serve");
        string reply = "";
        for (int attempt = 0; attempt < 100 && reply.Length == 0 && !server.IsCompleted; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", 966, TestContext.Current.CancellationToken);
                using var reader = new StreamReader(client.GetStream());
                reply = await reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? "";
            }
            catch (SocketException)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        var result = await server;
        Assert.Equal("hello from 65534", reply);
        Assert.Equal("listening\nok", result.Stdout.Trim());
    }
}
