using System.Globalization;
using System.Net;
using Privport.Client;
using Privport.Config;
using Privport.Doctor.Probes;
using Privport.HostFacts;

namespace Privport.Doctor.Causes;

/// <summary>
/// The known remedies, each written out for this host (the user, the real binary, the unit, the port), ranked from
/// the narrowest grant to the broadest.
/// </summary>
internal static partial class FixCatalog
{
    public const string PolicyDropIn = "/etc/privport/policy.d";

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A port at or above the unprivileged start for the same service: 8080 for 80, 8443 for 443.</summary>
    public static int HighPort(int port, int start)
    {
        int candidate = port + 8000;
        return candidate >= start && candidate <= 65535 ? candidate : Math.Max(start, 1024) + port;
    }

    /// <summary>
    /// For a statically linked program (which the shim cannot reach) on a host that can do it: the kernel grant, first.
    /// The rule names the service's unit and account; without systemd, privport wrap --kernel enrols the program.
    /// </summary>
    private static Fix? KernelGrant(Situation s, PortProtocol protocol, int port, string program, string? exe)
    {
        if (s.Facts.KernelGrants is not { Supported: true } kernel || exe is null || s.Facts.Executable is not { IsStatic: true })
        {
            return null;
        }

        string unit = UnitName(s);
        string account = s.Request.User?.Name ?? "ACCOUNT";
        string rule = PolicyRuleText.ForUnit(account, unit, protocol, port);
        string file = $"{PolicyDropIn}/50-{PolicyRuleText.Name(account, protocol, port, "-kernel")}.toml";
        var commands = new List<string>
        {
            $"mkdir -p {PolicyDropIn} && cat > {file} <<'EOF'\n{rule}EOF",
            "privport policy check",
            "systemctl reload privport    # pins the unit's grant before the broker says it is ready",
            $"systemctl daemon-reload && systemctl restart {unit}    # the generator's drop-in orders {unit} after privport and attaches the grant",
            $"setpriv --reuid {ShellWord.Quote(account)} --init-groups privport wrap --kernel -- {ShellWord.Quote(program)}    # instead, without systemd (any rule without units)",
        };
        return new Fix(
            $"Grant {s.Protocol}/{N(port)} in the kernel to {unit} (kernel grants: {Path.GetFileName(exe)} is statically linked, and binds directly)",
            commands,
            kernel.UnitsSupported
                ? $"Only {account}'s processes in {unit}'s cgroup get only {s.Protocol}/{N(port)}, at the cost of a direct bind, audited; the broker keeps the grant and withdraws it when it stops. The kernel cannot check which program binds, so every program of {account} in that unit has it."
                : $"systemd here is older than {KernelGrantFacts.SystemdWithBpfProgram}: use the wrap --kernel line. Only {account}'s processes under it get {s.Protocol}/{N(port)}, audited.");
    }

    public static IReadOnlyList<Fix> PrivilegedPort(Situation s, int port, int start)
    {
        var fixes = new List<Fix>();
        var protocol = s.Protocol == "udp" ? PortProtocol.Udp : PortProtocol.Tcp;
        string program = s.Facts.Executable?.RealPath ?? s.Request.Executable ?? BinaryName(s.ProgramName);
        string? exe = s.Facts.Executable is { Exists: true } facts ? facts.RealPath : null;
        if (KernelGrant(s, protocol, port, program, exe) is { } kernel)
        {
            fixes.Add(kernel);
        }
        if (s.Request.User is { } granted && s.Facts.Broker is { Running: true, QueryAnswer: { } answer } && answer.StartsWith("allow", StringComparison.Ordinal))
        {
            fixes.Add(new Fix(
                $"The privport broker already grants this to {granted.Name} ({answer}): run the program under privport wrap",
                [$"setpriv --reuid {ShellWord.Quote(granted.Name)} --regid {granted.PrimaryGid} --init-groups privport wrap --socket {ShellWord.Quote(s.Facts.Broker.SocketPath)} -- {ShellWord.Quote(program)}"],
                "Nothing new to grant: the program's binds of this port go through the broker, audited."));
        }
        else if (s.Request.User is { } user)
        {
            IPAddress? address = s.Endpoint?.Address is { } a && !a.Equals(IPAddress.Any) ? a : null;
            string rule = PolicyRuleText.For(user.Name, exe, protocol, address, port);
            string file = $"{PolicyDropIn}/50-{PolicyRuleText.Name(user.Name, protocol, port)}.toml";
            string endpoint = $"{s.Protocol}/{(s.Endpoint?.Address is { } ep ? (ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ep}]" : ep.ToString()) + ":" : "")}{port}";
            fixes.Add(new Fix(
                $"Let {user.Name} bind {s.Protocol}/{port} through the privport broker (a policy rule, then run the program under privport wrap)",
                [
                    $"mkdir -p {PolicyDropIn} && cat > {file} <<'EOF'\n{rule}EOF",
                    $"privport policy test --user {ShellWord.Quote(user.Name)}{(exe is null ? "" : $" --exe {ShellWord.Quote(exe)}")} {endpoint}",
                    "systemctl reload privport    # the broker rereads its policy (SIGHUP, for a broker started by hand)",
                    $"setpriv --reuid {ShellWord.Quote(user.Name)} --regid {user.PrimaryGid} --init-groups privport wrap -- {ShellWord.Quote(program)}",
                    $"setpriv --reuid {ShellWord.Quote(user.Name)} --regid {user.PrimaryGid} --init-groups privport exec --port {endpoint} -- {ShellWord.Quote(program)}    # instead of wrap, for programs that take inherited sockets (LISTEN_FDS)",
                ],
                $"Only {user.Name}{(exe is null ? "" : $" running {exe}")} gets only {s.Protocol}/{port}, and every bind is audited; the broker must run; wrap works for dynamically linked programs (not static or setuid ones), exec for programs that accept sockets from systemd-style LISTEN_FDS."));
        }
        else
        {
            fixes.Add(new Fix(
                "Let the service's account bind the port through the privport broker",
                [$"privport doctor {s.Protocol}/{port} --user ACCOUNT{(exe is null ? "" : $" --exe {ShellWord.Quote(exe)}")}    # prints the policy rule for that account, ready to paste"],
                "The narrowest grant (one account, one port, audited), but the doctor needs to know the account the service runs as."));
        }

        string unit = UnitName(s);
        fixes.Add(new Fix(
            $"Give the service the capability from systemd: AmbientCapabilities= in its unit",
            [
                $"UNIT={unit}    # the unit that runs {s.ProgramName ?? "the program"}",
                "mkdir -p \"/etc/systemd/system/$UNIT.d\"",
                "printf '[Service]\\nAmbientCapabilities=CAP_NET_BIND_SERVICE\\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\\n' > \"/etc/systemd/system/$UNIT.d/50-net-bind.conf\"",
                "systemctl daemon-reload && systemctl restart \"$UNIT\"",
            ],
            "The service may bind every port below the limit, for its whole life; ambient capabilities survive exec without secure-execution mode (LD_LIBRARY_PATH keeps working). Not for user units (systemctl --user)."));

        int high = HighPort(port, start);
        if (protocol == PortProtocol.Tcp && s.Verbs.Contains("forward"))
        {
            string account = s.Request.User?.Name ?? "nobody";
            string listen = $"tcp/{(s.Endpoint?.Address is { } la && !la.Equals(IPAddress.Any) ? (la.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{la}]" : la.ToString()) + ":" : "")}{port}";
            fixes.Add(new Fix(
                $"Let privport forward {port} to the program on 127.0.0.1:{high} (a forwarder service)",
                [
                    $"mkdir -p /etc/privport/forward.d && cat > /etc/privport/forward.d/port-{port}.toml <<'EOF'\nuser = {TomlText.BasicString(account)}\n\n[[forward]]\nlisten = \"{listen}\"\ntarget = \"127.0.0.1:{high}\"\nEOF",
                    $"systemctl enable --now privport-forward@port-{port}",
                ],
                $"The program needs no privilege and listens on 127.0.0.1:{high}; connections take one more hop and come from 127.0.0.1 unless the forwarder adds proxy_protocol and the program reads it."));
        }

        string family = s.Endpoint?.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ip6" : "ip";
        fixes.Add(new Fix(
            $"Listen on {high} and redirect {port} to it with nftables",
            [
                "nft add table inet privport_doctor",
                "nft add chain inet privport_doctor prerouting '{ type nat hook prerouting priority dstnat; }'",
                "nft add chain inet privport_doctor output '{ type nat hook output priority -100; }'",
                $"nft add rule inet privport_doctor prerouting {s.Protocol} dport {port} redirect to :{high}",
                $"nft add rule inet privport_doctor output {family} daddr {(family == "ip6" ? "::1" : "127.0.0.1")} {s.Protocol} dport {port} redirect to :{high}",
            ],
            $"No privilege for the program, which must listen on {high}; any local user who binds {high} first receives the traffic; local connections need the output rule; the rules are lost at reboot unless saved."));

        fixes.Add(new Fix(
            $"Move the service to port {high} (no privilege at all)",
            [$"# configure {s.ProgramName ?? "the program"} to listen on {high}, and point clients or a reverse proxy at it"],
            $"Nothing to grant, but clients must use {high}, or something privileged must forward {port}."));

        if (s.Facts.Executable is { IsScript: true, Interpreter: { } interpreter })
        {
            fixes.Add(new Fix(
                $"setcap on the interpreter ({interpreter.Split(' ')[0]}) — not recommended",
                [$"setcap cap_net_bind_service+ep \"$(readlink -f {ShellWord.Quote(interpreter.Split(' ')[0])})\""],
                "Capabilities on a script are ignored; on its interpreter they reach every script every user runs with it."));
        }
        else
        {
            string target = exe is not null ? ShellWord.Quote(exe) : $"\"$(readlink -f \"$(command -v {ShellWord.Quote(BinaryName(s.ProgramName))})\")\"";
            fixes.Add(new Fix(
                $"Put the capability on the program file: setcap on {(exe ?? "the real binary")}",
                [$"setcap cap_net_bind_service+ep {target}", $"getcap {target}"],
                "Every user who can run that binary gains CAP_NET_BIND_SERVICE for every port below the limit; replacing the file (an upgrade) drops it; ignored on nosuid mounts and under no_new_privs; the program then runs in secure-execution mode, which ignores LD_LIBRARY_PATH and $ORIGIN (Java's libjli.so fails)."));
        }

        string netns = s.Facts.Kernel.NetworkNamespace ?? "this network namespace";
        fixes.Add(new Fix(
            $"Lower net.ipv4.ip_unprivileged_port_start to {port}",
            [
                $"sysctl -w net.ipv4.ip_unprivileged_port_start={port}",
                $"echo 'net.ipv4.ip_unprivileged_port_start = {port}' > /etc/sysctl.d/60-unprivileged-port-start.conf",
            ],
            $"Applies to the whole network namespace ({netns}): every user and every program may then bind every port from {port} up, over IPv4 and IPv6. Containers with their own namespace keep their own value."));
        return fixes;
    }

    /// <summary>The executable a program's messages come from, as its packages install it.</summary>
    public static string BinaryName(string? program) => program switch
    {
        "apache-httpd" => "apache2",
        "spring-boot" or "tomcat" or "jetty" or "netty" or "java" => "java",
        "kestrel" or "dotnet" => "dotnet",
        "uvicorn" or "gunicorn" or "flask-werkzeug" or "python" => "python3",
        "puma" or "ruby" => "ruby",
        "erlang" => "beam.smp",
        "mysql" => "mysqld",
        "postgresql" => "postgres",
        "redis" => "redis-server",
        "systemd-socket" or "docker" or "go" or "rust" or null => "your-server",
        _ => program,
    };

    /// <summary>The unit of a running instance when one was found, else the unit name the program's packages use.</summary>
    public static string UnitName(Situation s)
    {
        if (s.Facts.Holders.FirstOrDefault(h => h.Unit is not null && h.Executable == s.Facts.Executable?.RealPath)?.Unit is { } running)
        {
            return running;
        }

        return s.ProgramName switch
        {
            "apache-httpd" => "apache2.service",
            "sshd" => "ssh.service",
            "redis" => "redis-server.service",
            "nginx" or "haproxy" or "caddy" or "postfix" or "dovecot" or "dnsmasq" or "mysql" or "postgresql" or "squid" or "lighttpd" => $"{s.ProgramName}.service",
            { } name when s.Request.Executable is not null => $"{name}.service",
            _ => "myapp.service",
        };
    }
}
