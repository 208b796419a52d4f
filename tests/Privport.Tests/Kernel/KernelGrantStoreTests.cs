using System.Collections.Immutable;
using System.Net.Sockets;
using Privport.Client;
using Privport.Kernel;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Kernel;

/// <summary>
/// Kernel grants on this real kernel: pinned programs attached to a test cgroup let uid 65534 bind exactly what the
/// entries grant. Ports 950-964 on loopback belong to this class.
/// </summary>
public sealed class KernelGrantStoreTests
{
    private const uint Nobody = 65534;
    private const uint Stranger = 61901;
    private static readonly UInt128 Loopback4 = 0x7f000001;

    private static GrantEntry V4(ushort port, GrantSubject subject, UInt128 address, byte prefix, uint rule = 0, PortProtocol protocol = PortProtocol.Tcp) =>
        new(AddressFamily.InterNetwork, protocol, port, subject, false, address, prefix, rule);

    private static GrantEntry Wildcard(AddressFamily family, ushort port, GrantSubject subject, uint rule = 0) =>
        new(family, PortProtocol.Tcp, port, subject, true, 0, 0, rule);

    private static KernelGrantPlan Plan(GrantScope scope, params GrantEntry[] entries) =>
        new(ImmutableDictionary<GrantScope, ImmutableArray<GrantEntry>>.Empty.Add(scope, [.. entries]), ["r0", "r1", "r2"]);

    [Fact]
    public async Task Granted_binds_pass_and_everything_else_keeps_eacces()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string cgroup = host.CreateCgroup();
        string dir = host.CgroupDir(cgroup);
        using var store = KernelGrantStore.Open(host.PinRoot);
        var report = store.Sync(Plan(GrantScope.Cgroup(cgroup),
            V4(950, GrantSubject.User(Nobody), Loopback4, 32),
            Wildcard(AddressFamily.InterNetwork, 951, GrantSubject.AnyUser),
            V4(952, GrantSubject.User(Nobody), 0x7f000000, 8, protocol: PortProtocol.Udp),
            new GrantEntry(AddressFamily.InterNetworkV6, PortProtocol.Tcp, 953, GrantSubject.User(Nobody), false, 1, 128, 0),
            Wildcard(AddressFamily.InterNetwork, 954, GrantSubject.User(Nobody)),
            Wildcard(AddressFamily.InterNetworkV6, 954, GrantSubject.User(Nobody)),
            V4(955, GrantSubject.User(Nobody), Loopback4, 32),
            Wildcard(AddressFamily.InterNetwork, 956, GrantSubject.Group(Nobody)),
            V4(957, GrantSubject.User(Nobody), 0, 0)));
        Assert.Equal([cgroup], report.AttachedTo);

        async Task Expect(string expected, string? inCgroup, uint uid, uint gid, params string[] args)
        {
            var result = await host.BindAsync(inCgroup, uid, gid, args);
            Assert.True(result.Stdout.Trim() == expected, $"{string.Join(' ', args)} as {uid}:{gid}: {result}");
        }

        const string Denied = "errno 13";
        await Expect("ok", dir, Nobody, Nobody, "4", "127.0.0.1", "950", "tcp");
        await Expect(Denied, dir, Nobody, Nobody, "4", "127.0.0.2", "950", "tcp");      // other address
        await Expect(Denied, dir, Nobody, Nobody, "4", "0.0.0.0", "950", "tcp");        // a specific grant never covers the wildcard
        await Expect(Denied, dir, Nobody, Nobody, "4", "127.0.0.1", "958", "tcp");      // ungranted port
        await Expect(Denied, dir, Stranger, Stranger, "4", "127.0.0.1", "950", "tcp");  // wrong uid
        await Expect(Denied, null, Nobody, Nobody, "4", "127.0.0.1", "950", "tcp");     // outside the cgroup
        await Expect("ok", dir, Stranger, Stranger, "4", "0.0.0.0", "951", "tcp");      // any user, wildcard
        await Expect(Denied, dir, Stranger, Stranger, "4", "127.0.0.1", "951", "tcp");  // the wildcard grants no specific address
        await Expect("ok", dir, Nobody, Nobody, "4", "127.0.0.9", "952", "udp");        // prefix, UDP
        await Expect(Denied, dir, Nobody, Nobody, "4", "127.0.0.9", "952", "tcp");      // protocol matters
        await Expect("ok", dir, Nobody, Nobody, "6", "::1", "953", "tcp");
        await Expect(Denied, dir, Nobody, Nobody, "6", "::", "953", "tcp");
        await Expect("ok", dir, Nobody, Nobody, "6", "::", "954", "tcp");               // dual-stack with both halves
        await Expect(Denied, dir, Nobody, Nobody, "6", "::", "951", "tcp");             // IPv4 wildcard alone does not grant ::
        await Expect("ok", dir, Nobody, Nobody, "6", "::ffff:127.0.0.1", "955", "tcp"); // IPv4-mapped looked up as IPv4
        await Expect(Denied, dir, Nobody, Nobody, "6", "::ffff:127.0.0.2", "955", "tcp");
        await Expect("ok", dir, Stranger, Nobody, "4", "0.0.0.0", "956", "tcp");        // Group subject: the gid
        await Expect(Denied, dir, Nobody, Stranger, "4", "0.0.0.0", "956", "tcp");
        await Expect("ok", dir, Nobody, Nobody, "4", "127.3.4.5", "957", "tcp");        // /0: any specific IPv4 address
        await Expect(Denied, dir, Nobody, Nobody, "4", "0.0.0.0", "957", "tcp");

        string child = host.CreateCgroup(cgroup);
        await Expect("ok", host.CgroupDir(child), Nobody, Nobody, "4", "127.0.0.1", "950", "tcp"); // nested cgroup inherits
    }

    [Fact]
    public async Task Events_name_pid_uid_port_rule_and_comm_and_a_full_ring_counts_drops()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string cgroup = host.CreateCgroup();
        using var store = KernelGrantStore.Open(host.PinRoot);
        store.Sync(Plan(GrantScope.Cgroup(cgroup), V4(959, GrantSubject.User(Nobody), Loopback4, 32, rule: 2)));
        uint scopeNumber = Assert.Single(store.ReadState()).ScopeNumber;
        using var reader = store.OpenEvents();
        Assert.False(reader.TryRead(out _));

        var result = await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "127.0.0.1", "959", "tcp");
        Assert.Equal("ok", result.Stdout.Trim());
        Assert.True(reader.TryRead(out var e));
        Assert.True(e.Pid > 1);
        Assert.Equal((Nobody, Nobody, (ushort)959, 2u, scopeNumber), (e.Uid, e.Gid, e.Port, e.RuleNumber, e.ScopeNumber));
        Assert.Equal((PortProtocol.Tcp, AddressFamily.InterNetwork, "127.0.0.1"), (e.Protocol, e.Family, e.Address.ToString()));
        Assert.Equal("bindclient", e.Comm);
        Assert.NotEqual(0ul, e.CgroupId);
        Assert.False(reader.TryRead(out _));

        const int Binds = 6000; // more 72-byte records than the 256 KiB ring holds
        result = await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "127.0.0.1", "959", "tcp", "repeat", $"{Binds}");
        Assert.Equal("ok", result.Stdout.Trim());
        int read = 0;
        while (read <= Binds && reader.TryRead(out _))
        {
            read++;
        }

        Assert.True(reader.Dropped > 0, $"read {read}, dropped {reader.Dropped}");
        Assert.Equal((ulong)Binds, (ulong)read + reader.Dropped);
    }

    [Fact]
    public async Task Sync_updates_in_place_keeps_scope_numbers_across_reopen_and_removes_scopes_left_out()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string first = host.CreateCgroup();
        string second = host.CreateCgroup();
        using (var store = KernelGrantStore.Open(host.PinRoot))
        {
            var both = new KernelGrantPlan(ImmutableDictionary<GrantScope, ImmutableArray<GrantEntry>>.Empty
                .Add(GrantScope.Cgroup(first), [V4(960, GrantSubject.User(Nobody), Loopback4, 32)])
                .Add(GrantScope.Cgroup(second), [V4(961, GrantSubject.User(Nobody), Loopback4, 32)]), ["r0"]);
            Assert.Equal(2, store.Sync(both).Created.Length);
        }

        using var reopened = KernelGrantStore.Open(host.PinRoot);
        var numbers = reopened.ReadState().ToDictionary(s => s.Scope.Name, s => s.ScopeNumber);
        var report = reopened.Sync(Plan(GrantScope.Cgroup(first), V4(962, GrantSubject.User(Nobody), Loopback4, 32)));
        Assert.Equal([GrantScope.Cgroup(first)], report.Updated);
        Assert.Equal([GrantScope.Cgroup(second)], report.Removed);
        Assert.Equal((1, 2), (report.EntriesAdded, report.EntriesRemoved));
        var state = Assert.Single(reopened.ReadState());
        Assert.Equal((numbers[first], 1), (state.ScopeNumber, state.EntryCount));
        Assert.Equal([host.CgroupDir(first)], state.AttachedCgroups);
        Assert.False(Directory.Exists(Path.GetDirectoryName(KernelGrantStore.ProgramPinPath(host.PinRoot, GrantScope.Cgroup(second), AddressFamily.InterNetwork))));

        Assert.Equal("errno 13", (await host.BindAsync(host.CgroupDir(first), Nobody, Nobody, "4", "127.0.0.1", "960", "tcp")).Stdout.Trim());
        Assert.Equal("ok", (await host.BindAsync(host.CgroupDir(first), Nobody, Nobody, "4", "127.0.0.1", "962", "tcp")).Stdout.Trim());
        Assert.Equal("errno 13", (await host.BindAsync(host.CgroupDir(second), Nobody, Nobody, "4", "127.0.0.1", "961", "tcp")).Stdout.Trim());
    }

    [Fact]
    public async Task RevokeAll_ends_every_grant_and_removes_the_pins()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string cgroup = host.CreateCgroup();
        using var store = KernelGrantStore.Open(host.PinRoot);
        store.Sync(Plan(GrantScope.Cgroup(cgroup), V4(963, GrantSubject.User(Nobody), Loopback4, 32)));
        Assert.Equal("ok", (await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "127.0.0.1", "963", "tcp")).Stdout.Trim());

        store.RevokeAll();
        Assert.Empty(store.ReadState());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(host.PinRoot, "cgroups")));
        Assert.Equal("errno 13", (await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "127.0.0.1", "963", "tcp")).Stdout.Trim());
    }

    [Fact]
    public async Task A_pinned_unit_program_attached_the_way_systemd_does_grants_the_unit()
    {
        Privilege.RequireRoot();
        await using var host = await KernelTestHost.StartAsync();
        string cgroup = host.CreateCgroup();
        string unit = Path.GetFileName(cgroup);
        using var store = KernelGrantStore.Open(host.PinRoot);
        store.Sync(Plan(GrantScope.Unit(unit), Wildcard(AddressFamily.InterNetwork, 964, GrantSubject.User(Nobody))));
        Assert.Empty(Assert.Single(store.ReadState()).AttachedCgroups);

        // BPFProgram=bind4:PIN: systemd opens the pin and attaches it with BPF_F_ALLOW_MULTI.
        using var cg = KernelEnrolment.CgroupFd(host.CgroupDir(cgroup));
        using var program = BpfSystemCall.ObjGet(KernelGrantStore.ProgramPinPath(host.PinRoot, GrantScope.Unit(unit), AddressFamily.InterNetwork))!;
        BpfSystemCall.ProgAttach(cg, program, Privport.Interop.Interop.Libc.BPF_CGROUP_INET4_BIND, Privport.Interop.Interop.Libc.BPF_F_ALLOW_MULTI);
        Assert.Equal([host.CgroupDir(cgroup)], Assert.Single(store.ReadState()).AttachedCgroups);
        Assert.Equal("ok", (await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "0.0.0.0", "964", "tcp")).Stdout.Trim());

        store.Sync(KernelGrantPlan.Empty);
        Assert.Equal("errno 13", (await host.BindAsync(host.CgroupDir(cgroup), Nobody, Nobody, "4", "0.0.0.0", "964", "tcp")).Stdout.Trim());
    }
}
