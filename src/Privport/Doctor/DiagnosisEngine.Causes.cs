using System.Net;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Probes;
using Privport.HostFacts;

namespace Privport.Doctor;

internal sealed partial class DiagnosisEngine
{
    private static List<Cause> Rank(Situation s)
    {
        var ranked = new List<(int Score, Cause Cause)>();
        void Add(int score, Cause? cause)
        {
            if (cause is not null)
            {
                ranked.Add((score, cause));
            }
        }

        // A message known to mislabel ("already in use" from Spring Boot) keeps the EACCES causes in play unless the live bind settled it.
        bool eacces = s.Errno is null or BindErrno.EACCES
            || (s.Message.ErrnoCaveat is not null && s.Reproduction?.Errno is null or 0);
        Add(s.Message.Program == "rootlesskit" ? 97 : 60, eacces ? RootlessPublish(s) : null);
        Add(92, eacces ? FileCapabilityUnusable(s) : null);
        Add(s.Errno == BindErrno.EACCES ? 90 : 40, eacces ? PrivilegedPort(s) : null);
        Add(s.Facts.Selinux.Denials.Count > 0 ? 95 : 50, eacces ? SelinuxPortType(s) : null);
        Add(93, eacces ? AppArmorDenied(s) : null);
        Add(s.Errno == BindErrno.EADDRINUSE ? 96 : 30, PortInUse(s));
        Add(s.Errno == BindErrno.EADDRNOTAVAIL ? 96 : 35, AddressNotAvailable(s));
        return ranked.OrderByDescending(r => r.Score).Select(r => r.Cause).ToList();
    }

    private static Cause? PrivilegedPort(Situation s)
    {
        if (s.Port is not { } port || s.Facts.Kernel.UnprivilegedPortStart is not { } start || port >= start)
        {
            return null;
        }

        // A live bind that works settles it, unless the message says EACCES and the doctor could not bind as that user.
        if (s.Reproduction is { Bound: true } && (s.Request.User is not null || s.Errno is null))
        {
            return null;
        }

        if (s.Message.Program == "rootlesskit")
        {
            return null;
        }

        var evidence = new List<string>
        {
            $"net.ipv4.ip_unprivileged_port_start is {start} in this network namespace ({s.Facts.Kernel.NetworkNamespace ?? "unknown"}); port {port} is below it, so binding it needs CAP_NET_BIND_SERVICE (IPv6 uses the same sysctl).",
        };
        if (s.Reproduction is { Errno: Privport.Interop.Interop.Libc.EACCES } r)
        {
            evidence.Add($"Binding {s.Target} as {r.As} fails with EACCES.");
        }
        else if (s.Errno == BindErrno.EACCES)
        {
            evidence.Add("The message reports EACCES (permission denied).");
        }
        else if (s.Message.ErrnoCaveat is { } caveat)
        {
            evidence.Add($"The message claims {s.Errno}, but {caveat}; a process without CAP_NET_BIND_SERVICE gets EACCES on this port.");
        }

        if (s.Request.User is { Uid: not 0 } user)
        {
            evidence.Add($"A process started as {user.Name} has no capabilities: a non-root uid loses them at execve(2) unless they are ambient or come from the file.");
        }
        else if (s.Reproduction is { NotTried: null } && s.Facts.Self is { } self)
        {
            evidence.Add($"This process (uid {self.EffectiveUid}) has CAP_NET_BIND_SERVICE {(self.HasEffective(ProcessStatus.CapNetBindService) ? "effective" : "not effective")} (CapEff {self.Effective:x16}, CapAmb {self.Ambient:x16}, CapBnd {self.Bounding:x16}).");
        }

        AddExecutableEvidence(s, evidence);
        AddBrokerEvidence(s, evidence);
        if (s.Facts.Redirects is { } redirects)
        {
            evidence.Add(redirects.Rules.Count > 0
                ? $"Existing NAT rules for port {port}: {string.Join(" | ", redirects.Rules)}"
                : redirects.Listed ? $"No nftables/iptables rule redirects port {port}." : "No nft or iptables-save to list NAT rules with.");
        }

        return new Cause(CauseIds.PrivilegedPort,
            $"port {port} is privileged (below net.ipv4.ip_unprivileged_port_start={start}) and the process lacks CAP_NET_BIND_SERVICE",
            evidence, FixCatalog.PrivilegedPort(s, port, start));
    }

    private static void AddExecutableEvidence(Situation s, List<string> evidence)
    {
        if (s.Facts.Executable is not { } exe)
        {
            return;
        }

        if (!exe.Exists)
        {
            evidence.Add($"--exe {exe.GivenPath} does not exist on this host.");
            return;
        }

        if (exe.SymlinkChain.Count > 0)
        {
            evidence.Add($"{exe.GivenPath} is a symlink to {exe.RealPath}; exec runs {exe.RealPath}, so only its attributes count.");
        }

        evidence.Add(exe.Capabilities is { } caps
            ? $"{exe.RealPath} carries file capabilities (security.capability revision {caps.Revision}): permitted 0x{caps.Permitted:x}, effective bit {(caps.Effective ? "set" : "clear")}; cap_net_bind_service {(caps.Grants(HostFacts.ProcessStatus.CapNetBindService) ? "granted" : "not granted")}."
            : exe.CapabilityReadError is { } error ? $"security.capability of {exe.RealPath} could not be read: {error}."
            : $"{exe.RealPath} has no file capabilities (no security.capability attribute).");
    }

    private static void AddBrokerEvidence(Situation s, List<string> evidence)
    {
        if (s.Facts.Broker is not { } broker)
        {
            return;
        }

        evidence.Add(broker.Running
            ? $"A privport broker answers at {broker.SocketPath}" + (broker.QueryAnswer is { } answer ? $"; asked by {s.UserName ?? "this user"}, it says {answer}." : ".")
            : $"No privport broker answers at {broker.SocketPath}.");
        if (broker.PolicyAnswer is { } policy)
        {
            evidence.Add($"The privport policy {broker.PolicyPath} decides for {s.UserName}: {policy}.");
        }
    }

    private static Cause? FileCapabilityUnusable(Situation s)
    {
        if (s.Facts.Executable is not { Exists: true } exe)
        {
            return null;
        }

        var evidence = new List<string>();
        bool grants = exe.Capabilities?.Grants(ProcessStatus.CapNetBindService) == true;
        if (exe.IsScript)
        {
            evidence.Add($"{exe.RealPath} is a script (#!{exe.Interpreter}): the kernel takes file capabilities from the interpreter it runs, never from the script.");
        }

        if (grants && exe.Mount is { NoSuid: true } mount)
        {
            evidence.Add($"{exe.RealPath} lives on {mount.MountPoint}, mounted nosuid: the kernel ignores file capabilities there, as it ignores set-user-ID bits.");
        }

        if (grants && s.Facts.Kernel.NoFileCaps)
        {
            evidence.Add("The kernel was booted with no_file_caps (/proc/cmdline): file capabilities are ignored everywhere.");
        }

        if (grants && exe.Capabilities is { Effective: false })
        {
            evidence.Add($"{exe.RealPath} has cap_net_bind_service permitted but not effective (+p without +e): a program that does not raise it itself binds without it.");
        }

        foreach (var (pid, status) in s.Facts.ExecutableInstances)
        {
            if (grants && status.NoNewPrivs && !status.HasEffective(ProcessStatus.CapNetBindService))
            {
                evidence.Add($"pid {pid} ({status.Name}) runs {exe.RealPath} with no_new_privs set and without CAP_NET_BIND_SERVICE: no_new_privs makes file capabilities inert at exec (systemd NoNewPrivileges=, Kubernetes allowPrivilegeEscalation: false).");
            }

            if (grants && !status.HasBounding(ProcessStatus.CapNetBindService))
            {
                evidence.Add($"pid {pid} ({status.Name}) has CAP_NET_BIND_SERVICE outside its bounding set: the file capability cannot be granted (systemd CapabilityBoundingSet=, docker --cap-drop).");
            }
        }

        if (grants && exe.UsesOriginRunpath)
        {
            evidence.Add(exe.IsJavaLauncher
                ? $"{exe.RealPath} finds libjli.so through $ORIGIN: with file capabilities it runs in secure-execution mode, which ignores $ORIGIN and LD_LIBRARY_PATH, so a non-root start fails with \"libjli.so: cannot open shared object file\"."
                : $"{exe.RealPath} finds libraries through $ORIGIN: with file capabilities it runs in secure-execution mode (ld.so(8)), which ignores $ORIGIN and LD_LIBRARY_PATH, so its libraries may not load.");
        }

        return evidence.Count == 0
            ? null
            : new Cause(CauseIds.FileCapabilityUnusable, $"the file capability on {exe.GivenPath} does not reach the process", evidence, FixCatalog.FileCapability(s, exe));
    }

    private static Cause? SelinuxPortType(Situation s)
    {
        var selinux = s.Facts.Selinux;
        if (s.Port is not { } port || selinux.Mode == "disabled" || selinux.Mode == "unknown")
        {
            return null;
        }

        bool checkedByNameBind = (s.Facts.Kernel.UnprivilegedPortStart is { } start && port < start)
            || s.Facts.Kernel.LocalPortRange is not { } range || port < range.Low || port > range.High;
        if (selinux.Denials.Count == 0 && !(selinux.Enforcing && checkedByNameBind && s.Errno == BindErrno.EACCES))
        {
            return null;
        }

        var evidence = new List<string> { $"SELinux is {selinux.Mode} (/sys/fs/selinux/enforce)." };
        evidence.Add(!selinux.PortTypesKnown ? "semanage is not installed, so the port's type is unknown (dnf install policycoreutils-python-utils)."
            : selinux.PortTypes.Count > 0 ? $"semanage port -l gives {s.Protocol}/{port} the type {string.Join(", ", selinux.PortTypes)}."
            : $"semanage port -l gives {s.Protocol}/{port} no type: it is {(port < 1024 ? "reserved_port_t" : "unreserved_port_t")}, which confined daemons may not bind.");
        if (checkedByNameBind)
        {
            evidence.Add($"Port {port} is outside ip_local_port_range{(s.Facts.Kernel.LocalPortRange is { } r ? $" ({r.Low}-{r.High})" : "")} or privileged, so every bind of it is checked for name_bind.");
        }

        foreach (var denial in selinux.Denials.TakeLast(3))
        {
            evidence.Add($"Audit log: {denial.Line}" + (denial.Permissive ? " (permissive: logged, not enforced)" : ""));
        }

        string summary = selinux.Denials.Count > 0
            ? $"SELinux denies name_bind on {s.Protocol}/{port} to {selinux.Denials[^1].SourceType ?? "the program's domain"}"
            : $"SELinux is enforcing and {s.Protocol}/{port} may lack the port type the program's domain is allowed to bind";
        return new Cause(CauseIds.SelinuxPortType, summary, evidence, FixCatalog.Selinux(s, port));
    }

    private static Cause? AppArmorDenied(Situation s)
    {
        if (s.Facts.AppArmor is not { Enabled: true, Denials.Count: > 0 } apparmor)
        {
            return null;
        }

        var evidence = new List<string> { "AppArmor is enabled (/sys/module/apparmor/parameters/enabled is Y)." };
        evidence.AddRange(apparmor.Denials.TakeLast(3).Select(d => $"Log: {d.Line}"));
        string profile = apparmor.Denials[^1].Profile ?? "the program's profile";
        return new Cause(CauseIds.AppArmorDenied, $"AppArmor profile {profile} denies the bind", evidence, FixCatalog.AppArmor(s, profile));
    }

    private static Cause? RootlessPublish(Situation s)
    {
        bool rootlessMessage = s.Message.Program == "rootlesskit";
        if (!rootlessMessage || s.Port is not { } port)
        {
            return null;
        }

        var evidence = new List<string>
        {
            "The message comes from rootless Docker/Podman port publishing (rootlesskit/rootlessport): the host port is bound by a process of your user in the host's network namespace, not by the container.",
            $"net.ipv4.ip_unprivileged_port_start is {s.Facts.Kernel.UnprivilegedPortStart?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} here; port {port} is below it.",
        };
        evidence.AddRange(s.Facts.Container.RootlessPortProcesses.Select(p => $"pid {p.Pid} runs {p.Command}."));
        return new Cause(CauseIds.RootlessPublish, $"rootless port publishing cannot bind privileged port {port} on the host", evidence, FixCatalog.Rootless(s, port));
    }

    private static Cause? PortInUse(Situation s)
    {
        if (s.Port is not { } port)
        {
            return null;
        }

        var wanted = s.Endpoint?.Address ?? IPAddress.Any;
        bool v6only = s.Facts.Kernel.BindV6Only == true;
        var blocking = s.Facts.Holders.Where(h => !h.Socket.IsTimeWait && h.Socket.IsListening && AddressesConflict(h.Socket.Address, wanted, v6only)).ToList();
        var timeWait = s.Facts.Holders.Where(h => h.Socket.IsTimeWait).ToList();
        if (blocking.Count == 0 && !(s.Errno == BindErrno.EADDRINUSE && timeWait.Count > 0))
        {
            return null;
        }

        var evidence = new List<string>();
        foreach (var holder in blocking.Take(6))
        {
            evidence.Add(holder.Pid is { } pid
                ? $"{holder.Socket.Display} is held by pid {pid} ({holder.Command}, user {holder.UserName ?? holder.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(holder.Unit is { } unit ? $", {unit}" : "")}): {holder.CommandLine}"
                : $"{holder.Socket.Display} is held by uid {holder.Uid} ({holder.UserName ?? "no passwd entry"}); run the doctor as root to see which process.");
            if (holder.Socket.Address.Equals(IPAddress.IPv6Any) && wanted.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !v6only)
            {
                evidence.Add("That [::] socket is dual-stack (net.ipv6.bindv6only=0): it holds the port on every IPv4 address too.");
            }
        }

        if (blocking.Count == 0)
        {
            evidence.Add($"Only TIME_WAIT connections remain on port {port} ({timeWait.Count}): the previous instance closed them; a server that binds without SO_REUSEADDR fails until they expire (60 s).");
        }

        if (s.Request.Executable is { } exe && blocking.Any(h => h.Executable is { } held && (held == exe || held == s.Facts.Executable?.RealPath)))
        {
            evidence.Add($"The holder runs {exe} itself: a second instance, or one configuration that listens twice (0.0.0.0 and a dual-stack [::]).");
        }

        string who = blocking.FirstOrDefault() is { Pid: { } p } first ? $"pid {p} ({first.Command})" : blocking.Count > 0 ? $"uid {blocking[0].Uid}" : "TIME_WAIT connections";
        return new Cause(CauseIds.PortInUse, $"{s.Protocol}/{port} is already held by {who}", evidence, FixCatalog.PortInUse(s, port, blocking, timeWait.Count > 0 && blocking.Count == 0));
    }

    private static Cause? AddressNotAvailable(Situation s)
    {
        if (s.Endpoint is not { } endpoint || s.Facts.Addresses is not { } local || local.Contains(endpoint.Address))
        {
            return null;
        }

        bool nonlocal = endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? s.Facts.Kernel.NonlocalBindV4 == true : s.Facts.Kernel.NonlocalBindV6 == true;
        var evidence = new List<string>
        {
            $"{endpoint.Address} is not an address of this host (this namespace has {string.Join(", ", local.Describe().Take(12))}).",
            nonlocal ? "ip_nonlocal_bind is on, so the kernel would allow it anyway." : "ip_nonlocal_bind is 0: the kernel refuses to bind an address the host does not have.",
        };
        if (endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !local.Ipv6Available)
        {
            evidence.Add("IPv6 is disabled here (/proc/net/if_inet6 is missing).");
        }

        return new Cause(CauseIds.AddressNotAvailable, $"{endpoint.Address} is not an address of this host", evidence, FixCatalog.AddressNotAvailable(s, endpoint));
    }
}
