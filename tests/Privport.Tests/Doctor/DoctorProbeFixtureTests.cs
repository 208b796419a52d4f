using System.Diagnostics;
using System.Net;
using Privport.Client;
using Privport.Doctor;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Probes;
using Privport.Policy;
using Privport.Tests.Infrastructure;
using Privport.HostFacts;

namespace Privport.Tests.Doctor;

public sealed class DoctorProbeFixtureTests
{
    private const string SemanageListing =
        "http_cache_port_t              tcp      8080, 8118, 8123, 10001-10010\n" +
        "http_cache_port_t              udp      3130\n" +
        "http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000\n" +
        "pegasus_http_port_t            tcp      5988\n";

    // mmmex/selinux README: nginx on port 4881, CentOS 7.
    private const string NameBindAvc =
        "type=AVC msg=audit(1672075789.957:814): avc:  denied  { name_bind } for  pid=2830 comm=\"nginx\" src=4881 scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0\n";

    private static Task<Diagnosis> Diagnose(FixtureHost host, string message, string? endpoint = null, string? exe = null, UserAccount? user = null) =>
        new DiagnosisEngine(host.Environment()).DiagnoseAsync(
            new DoctorRequest(endpoint is null ? null : Endpoint.Parse(endpoint), MessageExplainer.Explain(message), user, exe),
            TestContext.Current.CancellationToken);

    [Fact]
    public async Task Selinux_enforcing_without_the_port_type_is_diagnosed_from_the_avc_with_the_semanage_fix()
    {
        using var host = new FixtureHost();
        host.Write("/sys/fs/selinux/enforce", "1");
        host.Output("semanage", SemanageListing);
        host.Write(SelinuxFacts.AuditLog, "type=SYSCALL msg=audit(1672075789.957:813): arch=c000003e syscall=49 success=no exit=-13\n" + NameBindAvc);

        var diagnosis = await Diagnose(host, "Dec 26 17:29:50 selinux nginx[2830]: nginx: [emerg] bind() to [::]:4881 failed (13: Permission denied)");

        var cause = diagnosis.Causes[0];
        Assert.Equal(CauseIds.SelinuxPortType, cause.Id);
        Assert.Contains(cause.Evidence, e => e.Contains("no type", StringComparison.Ordinal));
        Assert.Contains(cause.Evidence, e => e.Contains("comm=\"nginx\" src=4881", StringComparison.Ordinal));
        Assert.Contains("semanage port -a -t http_port_t -p tcp 4881", cause.Fixes[0].Commands);
        Assert.DoesNotContain(diagnosis.Causes, c => c.Id == CauseIds.PrivilegedPort);
    }

    [Fact]
    public void Selinux_enforcing_with_the_port_type_reads_it_from_semanage()
    {
        using var host = new FixtureHost();
        host.Write("/sys/fs/selinux/enforce", "1");
        host.Output("semanage", SemanageListing);

        var facts = SelinuxFacts.Probe(host.Host, host, "tcp", 10005);

        Assert.True(facts.Enforcing);
        Assert.Equal(["http_cache_port_t"], facts.PortTypes);
        Assert.Empty(facts.Denials);
        Assert.Equal(["http_port_t"], SelinuxFacts.PortTypesOf(SemanageListing, "tcp", 443));
        Assert.Empty(SelinuxFacts.PortTypesOf(SemanageListing, "udp", 443));
    }

    [Fact]
    public async Task Selinux_relabels_with_minus_m_a_port_that_already_has_another_type()
    {
        using var host = new FixtureHost();
        host.Write("/sys/fs/selinux/enforce", "1");
        host.Output("semanage", SemanageListing);
        host.Write(SelinuxFacts.AuditLog, NameBindAvc.Replace("src=4881", "src=8118", StringComparison.Ordinal));

        var diagnosis = await Diagnose(host, "nginx: [emerg] bind() to 0.0.0.0:8118 failed (13: Permission denied)");

        var cause = Assert.Single(diagnosis.Causes, c => c.Id == CauseIds.SelinuxPortType);
        Assert.Contains("semanage port -m -t http_port_t -p tcp 8118", cause.Fixes[0].Commands);
    }

    [Fact]
    public async Task An_apparmor_denial_of_net_bind_service_is_a_cause()
    {
        using var host = new FixtureHost();
        host.Write("/sys/module/apparmor/parameters/enabled", "Y\n");
        host.Write("/var/log/kern.log",
            "Jan  2 10:00:00 web kernel: audit: type=1400 audit(1641083204.403:25): apparmor=\"DENIED\" operation=\"capable\" profile=\"/usr/sbin/cups-browsed\" pid=670 comm=\"cups-browsed\" capability=23  capname=\"sys_nice\"\n" +
            "Jan  2 10:00:01 web kernel: audit: type=1400 audit(1641083205.100:26): apparmor=\"DENIED\" operation=\"capable\" profile=\"/usr/sbin/nginx\" pid=812 comm=\"nginx\" capability=10  capname=\"net_bind_service\"\n");

        var diagnosis = await Diagnose(host, "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)");

        var cause = Assert.Single(diagnosis.Causes, c => c.Id == CauseIds.AppArmorDenied);
        Assert.Single(cause.Evidence, e => e.Contains("net_bind_service", StringComparison.Ordinal));
        Assert.DoesNotContain(cause.Evidence, e => e.Contains("sys_nice", StringComparison.Ordinal));
        Assert.Contains("/etc/apparmor.d/local/usr.sbin.nginx", cause.Fixes[0].Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_holder_found_through_proc_net_tcp6_is_named_with_its_pid_and_unit()
    {
        using var host = new FixtureHost();
        host.Write("/proc/net/tcp6",
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
            "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 4242 1 0000000000000000 100 0 0 10 0\n");
        host.Write("/proc/1234/comm", "nginx\n");
        host.Write("/proc/1234/cmdline", "nginx: master process /usr/sbin/nginx -g daemon off;\0");
        host.Write("/proc/1234/cgroup", "0::/system.slice/nginx.service\n");
        host.Link("/proc/1234/fd/6", "socket:[4242]");
        host.Link("/proc/1234/fd/7", "pipe:[99]");

        var diagnosis = await Diagnose(host, "(98)Address already in use: AH00072: make_sock: could not bind to address 0.0.0.0:80");

        var cause = diagnosis.Causes[0];
        Assert.Equal(CauseIds.PortInUse, cause.Id);
        Assert.Contains(cause.Evidence, e => e.Contains("pid 1234 (nginx", StringComparison.Ordinal) && e.Contains("nginx.service", StringComparison.Ordinal));
        Assert.Contains(cause.Evidence, e => e.Contains("dual-stack", StringComparison.Ordinal));
        Assert.Contains("systemctl stop nginx.service", cause.Fixes[0].Commands);
    }

    [Fact]
    public void Proc_net_addresses_decode_in_host_byte_order()
    {
        Assert.Equal(IPAddress.Loopback, SocketTable.DecodeAddress("0100007F"));
        Assert.Equal(IPAddress.IPv6Loopback, SocketTable.DecodeAddress("00000000000000000000000001000000"));
        Assert.Equal(IPAddress.Parse("::ffff:192.168.1.101"), SocketTable.DecodeAddress("0000000000000000FFFF00006501A8C0"));
        var row = SocketTable.Parse("tcp", "   0: 0100007F:1435 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41001 1 0000 100 0 0 10 0");
        Assert.Equal(new SocketEntry("tcp", IPAddress.Loopback, 5173, SocketEntry.TcpListen, 1000, 41001), row);
    }

    [Fact]
    public void File_capabilities_decode_revisions_2_and_3()
    {
        // urbit/vere#455: setcap 'cap_net_bind_service,cap_setfcap=+ep' gives 0x02000001, 0x80000400, 0, 0, 0.
        byte[] v2 = [0x01, 0, 0, 0x02, 0x00, 0x04, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var caps = FileCapabilities.Decode(v2)!;
        Assert.Equal(2, caps.Revision);
        Assert.True(caps.Effective);
        Assert.True(caps.Grants(ProcessStatus.CapNetBindService));
        Assert.True(caps.Grants(31));

        byte[] v3 = [.. v2.AsSpan(0, 3), 0x03, .. v2.AsSpan(4), 0xE8, 0x03, 0, 0];
        Assert.Equal(1000u, FileCapabilities.Decode(v3)!.RootId);
        Assert.Null(FileCapabilities.Decode(v2.AsSpan(0, 19)));
    }

    [Fact]
    public void Local_ipv4_addresses_come_from_fib_trie_local_routes()
    {
        using var host = new FixtureHost();
        var local = LocalAddresses.Read(host.Host);

        Assert.True(local.Contains(IPAddress.Parse("127.0.0.53")));
        Assert.True(local.Contains(IPAddress.Any));
        Assert.True(local.Contains(IPAddress.IPv6Loopback));
        Assert.False(local.Contains(IPAddress.Parse("198.51.100.7")));
    }

    [Fact]
    public async Task A_file_capability_on_a_symlink_target_counts_but_a_nosuid_mount_voids_it()
    {
        Privilege.RequireRoot();
        string? setcap = new[] { "/usr/sbin/setcap", "/sbin/setcap", "/usr/bin/setcap" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(setcap is null, "needs setcap(8) from libcap2-bin to write security.capability");
        using var host = new FixtureHost();
        string real = host.Write("/opt/app/bin/server", "\u007fELF fixture; finds its libraries through $ORIGIN/../lib\n");
        host.Link("/usr/local/bin/server", "/opt/app/bin/server");
        using (var process = Process.Start(setcap!, ["cap_net_bind_service+ep", real]))
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, process.ExitCode);
        }

        var facts = ExecutableFacts.Probe(host.Host, "/usr/local/bin/server", MountTable.Read(host.Host));
        Assert.Equal("/opt/app/bin/server", facts.RealPath);
        Assert.Equal(["/opt/app/bin/server"], facts.SymlinkChain);
        Assert.True(facts.Capabilities!.Grants(ProcessStatus.CapNetBindService));
        Assert.True(facts.Capabilities.Effective);
        Assert.False(facts.Mount!.Value.NoSuid);

        host.Write("/proc/self/mountinfo",
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n" +
            "40 22 8:2 / /opt rw,nosuid,nodev,relatime shared:2 - ext4 /dev/sda2 rw\n");
        var diagnosis = await Diagnose(host, "listen tcp :80: bind: permission denied", exe: "/usr/local/bin/server");

        var cause = diagnosis.Causes[0];
        Assert.Equal(CauseIds.FileCapabilityUnusable, cause.Id);
        Assert.Contains(cause.Evidence, e => e.Contains("mounted nosuid", StringComparison.Ordinal));
        Assert.Contains(cause.Evidence, e => e.Contains("secure-execution mode", StringComparison.Ordinal));
        Assert.Contains(cause.Fixes, f => f.Commands.Contains("install -m 0755 /opt/app/bin/server /usr/local/sbin/server"));
    }

    [Fact]
    public async Task A_script_never_carries_capabilities_itself()
    {
        using var host = new FixtureHost();
        host.Write("/srv/app/start.sh", "#!/usr/bin/env node\nrequire('./server');\n");

        var diagnosis = await Diagnose(host, "Error: listen EACCES: permission denied 0.0.0.0:80", exe: "/srv/app/start.sh");

        var cause = Assert.Single(diagnosis.Causes, c => c.Id == CauseIds.FileCapabilityUnusable);
        Assert.Contains(cause.Evidence, e => e.Contains("is a script (#!/usr/bin/env node)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_without_a_port_still_gets_an_answer_and_a_null_port()
    {
        using var host = new FixtureHost();

        var diagnosis = await Diagnose(host, "PermissionError: [Errno 13] Permission denied");

        Assert.Null(diagnosis.Port);
        Assert.Equal(BindErrno.EACCES, diagnosis.Errno);
        Assert.Contains("names no port", diagnosis.Verdict, StringComparison.Ordinal);
    }
}
