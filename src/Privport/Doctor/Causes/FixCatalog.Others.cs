using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Doctor.Probes;
using Privport.HostFacts;

namespace Privport.Doctor.Causes;

internal static partial class FixCatalog
{
    // The port type each confined domain may bind, from the targeted policy; http_port_t when the domain is unknown.
    private static readonly Dictionary<string, string> PortTypeOfDomain = new(StringComparer.Ordinal)
    {
        ["httpd_t"] = "http_port_t",
        ["haproxy_t"] = "http_port_t",
        ["named_t"] = "dns_port_t",
        ["dnsmasq_t"] = "dns_port_t",
        ["sshd_t"] = "ssh_port_t",
        ["postfix_master_t"] = "smtp_port_t",
        ["dovecot_t"] = "pop_port_t",
        ["squid_t"] = "squid_port_t",
        ["mysqld_t"] = "mysqld_port_t",
        ["postgresql_t"] = "postgresql_port_t",
        ["redis_t"] = "redis_port_t",
    };

    private static readonly Dictionary<string, string> PortTypeOfProgram = new(StringComparer.Ordinal)
    {
        ["nginx"] = "http_port_t",
        ["apache-httpd"] = "http_port_t",
        ["haproxy"] = "http_port_t",
        ["sshd"] = "ssh_port_t",
        ["postfix"] = "smtp_port_t",
        ["dovecot"] = "pop_port_t",
        ["dnsmasq"] = "dns_port_t",
        ["squid"] = "squid_port_t",
        ["mysql"] = "mysqld_port_t",
        ["postgresql"] = "postgresql_port_t",
        ["redis"] = "redis_port_t",
    };

    public static IReadOnlyList<Fix> FileCapability(Situation s, ExecutableFacts exe)
    {
        var fixes = new List<Fix>();
        string unit = UnitName(s);
        fixes.Add(new Fix(
            "Use an ambient capability instead (systemd AmbientCapabilities=): it works for scripts, under no_new_privs and on nosuid mounts, and keeps LD_LIBRARY_PATH",
            [
                $"UNIT={unit}    # the unit that runs {exe.GivenPath}",
                "mkdir -p \"/etc/systemd/system/$UNIT.d\"",
                "printf '[Service]\\nAmbientCapabilities=CAP_NET_BIND_SERVICE\\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\\n' > \"/etc/systemd/system/$UNIT.d/50-net-bind.conf\"",
                $"setcap -r {ShellWord.Quote(exe.RealPath)} 2>/dev/null || true    # a file capability would clear the ambient set at exec",
                "systemctl daemon-reload && systemctl restart \"$UNIT\"",
            ],
            "The service holds the capability for its whole life, for every port below the limit; only that unit gets it, not every user of the binary."));
        if (s.Request.User is { } user && s.Port is { } port)
        {
            var protocol = s.Protocol == "udp" ? PortProtocol.Udp : PortProtocol.Tcp;
            fixes.Add(new Fix(
                $"Or drop file capabilities and let the privport broker bind for {user.Name}",
                [$"mkdir -p {PolicyDropIn} && cat > {PolicyDropIn}/50-{PolicyRuleText.Name(user.Name, protocol, port)}.toml <<'EOF'\n{PolicyRuleText.For(user.Name, exe.RealPath, protocol, null, port)}EOF",
                    $"privport wrap -- {ShellWord.Quote(exe.IsScript ? exe.GivenPath : exe.RealPath)}"],
                "One account, one port, audited; works for scripts (wrap preloads into the interpreter)."));
        }

        if (exe.SymlinkChain.Count > 0 && exe.Capabilities is null)
        {
            fixes.Add(new Fix($"Put the capability on the real file, {exe.RealPath}, not on the symlink",
                [$"setcap cap_net_bind_service+ep {ShellWord.Quote(exe.RealPath)}"],
                "Every user of that binary gains the capability; an upgrade that replaces the file drops it."));
        }

        if (exe.Mount is { NoSuid: true } mount)
        {
            string target = $"/usr/local/sbin/{Path.GetFileName(exe.RealPath)}";
            fixes.Add(new Fix($"Install the binary outside the nosuid mount {mount.MountPoint} and set the capability there",
                [$"install -m 0755 {ShellWord.Quote(exe.RealPath)} {target}", $"setcap cap_net_bind_service+ep {target}"],
                $"Remounting {mount.MountPoint} without nosuid would also honour every setuid binary on it; a copy must be kept up to date by hand."));
        }

        if (exe.Capabilities is { Effective: false })
        {
            fixes.Add(new Fix("Set the effective bit too (+ep)", [$"setcap cap_net_bind_service+ep {ShellWord.Quote(exe.RealPath)}"],
                "Every user of that binary gains the capability."));
        }

        if (exe.UsesOriginRunpath && exe.IsJavaLauncher)
        {
            string home = Path.GetDirectoryName(Path.GetDirectoryName(exe.RealPath)!)!;
            fixes.Add(new Fix("Let the loader find libjli.so in secure-execution mode (ld.so.conf.d)",
                [$"echo {ShellWord.Quote(home + "/lib")} > /etc/ld.so.conf.d/java-libjli.conf", "ldconfig"],
                "Every program on the host then searches the JDK's lib directory; and setcap on java still grants the capability to every Java program of every user."));
        }

        return fixes;
    }

    public static IReadOnlyList<Fix> Selinux(Situation s, int port)
    {
        var denial = s.Facts.Selinux.Denials.Count > 0 ? s.Facts.Selinux.Denials[^1] : null;
        string type = denial?.SourceType is { } domain && PortTypeOfDomain.TryGetValue(domain, out string? fromDomain) ? fromDomain
            : s.ProgramName is { } program && PortTypeOfProgram.TryGetValue(program, out string? fromProgram) ? fromProgram
            : "http_port_t";
        bool labelled = s.Facts.Selinux.PortTypes.Count > 0;
        var fixes = new List<Fix>
        {
            new($"Label {s.Protocol}/{port} {type}, the port type the domain may bind",
                [$"semanage port {(labelled ? "-m" : "-a")} -t {type} -p {s.Protocol} {port}", $"semanage port -l | grep -w {type}"],
                labelled
                    ? $"-m relabels the port from {string.Join(", ", s.Facts.Selinux.PortTypes)}: the daemons confined to that type lose it."
                    : $"Every domain allowed {type} may then bind {port} too."),
            new($"Or move the service to a port already labelled {type}",
                [$"semanage port -l | grep -w {type}"],
                "No policy change; clients must use the other port."),
            new("Last resort: a local policy module built from the denials",
                [$"ausearch -m AVC -ts recent | audit2allow -M local_{(s.ProgramName ?? "bind").Replace('-', '_')}_port", $"semodule -i local_{(s.ProgramName ?? "bind").Replace('-', '_')}_port.pp"],
                "Allows exactly what was denied, which may be broader than one port; read the .te file before loading it."),
        };
        return fixes;
    }

    public static IReadOnlyList<Fix> AppArmor(Situation s, string profile)
    {
        string local = $"/etc/apparmor.d/local/{profile.TrimStart('/').Replace('/', '.')}";
        return
        [
            new Fix($"Allow the bind in the profile's local override ({local})",
                [$"printf 'capability net_bind_service,\\nnetwork inet {(s.Protocol == "udp" ? "dgram" : "stream")},\\nnetwork inet6 {(s.Protocol == "udp" ? "dgram" : "stream")},\\n' >> {local}",
                    $"apparmor_parser -r /etc/apparmor.d/{profile.TrimStart('/').Replace('/', '.')}"],
                "AppArmor only takes away: the process still needs the capability (or the broker); the override survives package upgrades."),
            new Fix("Put the profile in complain mode while you test", [$"aa-complain {ShellWord.Quote(profile)}"],
                "The profile then only logs: the program runs unconfined until you enforce it again (aa-enforce)."),
        ];
    }

    public static IReadOnlyList<Fix> Rootless(Situation s, int port) =>
    [
        new Fix("Give rootlesskit the capability, so it can publish privileged ports",
            ["setcap cap_net_bind_service=ep \"$(readlink -f \"$(command -v rootlesskit)\")\"", "systemctl --user restart docker"],
            "Every user who runs rootlesskit can then publish any port below the limit; an upgrade of rootlesskit drops it."),
        new Fix($"Lower net.ipv4.ip_unprivileged_port_start to {port} on the host",
            [$"sysctl -w net.ipv4.ip_unprivileged_port_start={port}", $"echo 'net.ipv4.ip_unprivileged_port_start = {port}' > /etc/sysctl.d/60-unprivileged-port-start.conf"],
            $"Every user and program on the host may then bind every port from {port} up."),
        new Fix($"Publish a high host port instead (-p {HighPort(port, 1024)}:{port})", [$"docker run -p {HighPort(port, 1024)}:{port} ..."],
            "No privilege at all; clients use the high port or a redirect."),
    ];

    public static IReadOnlyList<Fix> PortInUse(Situation s, int port, IReadOnlyList<PortHolder> holders, bool onlyTimeWait)
    {
        var fixes = new List<Fix>();
        if (onlyTimeWait)
        {
            fixes.Add(new Fix("Wait for TIME_WAIT to expire, or have the program set SO_REUSEADDR before bind",
                [$"ss -tan state time-wait '( sport = :{port} )'"],
                "SO_REUSEADDR is what every mainstream server sets; it never lets two listeners share the port."));
        }

        foreach (var holder in holders.Where(h => h.Pid is not null).DistinctBy(h => h.Pid).Take(3))
        {
            if (holder.Command is "docker-proxy" or "rootlesskit" or "rootlessport")
            {
                fixes.Add(new Fix($"A container publishes {port} (through {holder.Command}, pid {holder.Pid}): stop it or publish another port",
                    [$"docker ps --filter publish={port}", "docker stop CONTAINER    # the one listed above"],
                    "Stops that container's service."));
            }
            else if (holder.Pid == 1 || holder.Unit?.EndsWith(".socket", StringComparison.Ordinal) == true)
            {
                fixes.Add(new Fix($"systemd holds {port} for a socket unit: disable the unit that listens on it",
                    [$"systemctl list-sockets --all | grep -w {port}", "systemctl disable --now UNIT.socket    # the unit listed above"],
                    "The service that unit activates no longer starts on demand."));
            }
            else if (holder.Unit is { } unit && unit.EndsWith(".service", StringComparison.Ordinal))
            {
                fixes.Add(new Fix($"Stop {unit}, which holds {s.Protocol}/{port} (pid {holder.Pid}, {holder.Command})",
                    [$"systemctl stop {unit}", $"systemctl disable {unit}    # keep it from coming back at boot"],
                    $"Whatever {holder.Command} served on {port} stops; or reconfigure it to another port instead."));
            }
            else
            {
                fixes.Add(new Fix($"Stop pid {holder.Pid} ({holder.Command}), which holds {s.Protocol}/{port}",
                    [$"kill {holder.Pid}"],
                    $"Whatever {holder.Command} served on {port} stops; if it is a second instance of your service, stop the duplicate or fix the configuration that listens twice."));
            }
        }

        if (holders.Any(h => h.Pid is null))
        {
            fixes.Add(new Fix("Find the holder as root", [$"ss -{(s.Protocol == "udp" ? "u" : "t")}lpn 'sport = :{port}'"], "Reading other users' sockets needs root."));
        }

        fixes.Add(new Fix("Or move your service to a free port", [$"ss -{(s.Protocol == "udp" ? "u" : "t")}lpn    # ports in use"], "Clients must use the new port."));
        return fixes;
    }

    public static IReadOnlyList<Fix> AddressNotAvailable(Situation s, Endpoint endpoint)
    {
        bool v6 = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6;
        string wildcard = v6 ? "::" : "0.0.0.0";
        string family = v6 ? "ipv6" : "ipv4";
        return
        [
            new Fix($"Bind the wildcard ({wildcard}) or an address this host has",
                ["ip -brief address"],
                $"{wildcard} also accepts connections on every other address of the host; a firewall or the program's own allow-list must narrow it."),
            new Fix($"If {endpoint.Address} should be this host's (a service address, a VIP), add it",
                [$"ip address add {endpoint.Address}/{(v6 ? 128 : 32)} dev lo    # or on the interface its network is routed to"],
                "An address on the wrong interface is reachable only where its route leads; keepalived/VRRP should own a VIP instead."),
            new Fix("Allow binding addresses that are not (yet) local",
                [$"sysctl -w net.{family}.ip_nonlocal_bind=1", $"echo 'net.{family}.ip_nonlocal_bind = 1' > /etc/sysctl.d/60-nonlocal-bind.conf"],
                "Every program in the namespace may then bind any address, and a typo binds silently to nothing."),
            new Fix("If the address comes up late at boot, start the service after the network is online",
                ["UNIT=myapp.service    # the unit that runs it", "mkdir -p \"/etc/systemd/system/$UNIT.d\"",
                    "printf '[Unit]\\nWants=network-online.target\\nAfter=network-online.target\\n' > \"/etc/systemd/system/$UNIT.d/50-online.conf\"", "systemctl daemon-reload"],
                "Boot waits for the network; it does not help if the address never comes."),
        ];
    }
}
