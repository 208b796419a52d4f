using Privport.Doctor;
using Privport.Doctor.Probes;
using Privport.Policy;
using Privport.HostFacts;

namespace Privport.Tests.Doctor;

/// <summary>A fixture tree standing in for / (proc, sys, var/log), with fixed outputs for the listing commands.</summary>
internal sealed class FixtureHost : IDisposable, IHostCommands
{
    private readonly Dictionary<string, string> _outputs = new(StringComparer.Ordinal);

    public FixtureHost()
    {
        Root = Directory.CreateTempSubdirectory("privport-doctor-fixture-").FullName;
        Write("/proc/sys/net/ipv4/ip_unprivileged_port_start", "1024\n");
        Write("/proc/sys/net/ipv4/ip_local_port_range", "32768\t60999\n");
        Write("/proc/sys/net/ipv6/bindv6only", "0\n");
        Write("/proc/sys/net/ipv4/ip_nonlocal_bind", "0\n");
        Write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro\n");
        Write("/proc/self/uid_map", "         0          0 4294967295\n");
        Write("/proc/self/mountinfo", "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
        Write("/proc/net/fib_trie", "Local:\n  +-- 0.0.0.0/0 3 0 5\n     +-- 127.0.0.0/8 2 0 2\n        +-- 127.0.0.0/31 1 0 0\n           |-- 127.0.0.0\n              /8 host LOCAL\n");
        Write("/proc/net/if_inet6", "00000000000000000000000000000001 01 80 10 80       lo\n");
        Write("/proc/net/tcp", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        Write("/proc/net/tcp6", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    }

    public string Root { get; }

    public HostRoot Host => new(Root);

    public string Write(string hostPath, string text)
    {
        string path = Path.Join(Root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Link(string hostPath, string target)
    {
        string path = Path.Join(Root, hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    public void Output(string program, string text) => _outputs[program] = text;

    public string? Run(string program, params string[] arguments) => _outputs.GetValueOrDefault(program);

    public DoctorEnvironment Environment() =>
        new(Host, this, new SystemAccountDirectory(), Path.Join(Root, "run/privport/broker.sock"), Path.Join(Root, "etc/privport/policy.toml"), null, ReproduceLive: false);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
