using System.Net;
using System.Net.Sockets;
using Privport.Client;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Live;
using Privport.Doctor.Probes;
using static Privport.Interop.Interop.Libc;
using Privport.HostFacts;

namespace Privport.Doctor;

/// <summary>
/// Turns a request into a diagnosis: reproduces the bind live when an endpoint is known, probes the host, and ranks
/// the causes the evidence supports, each with its fixes for this host.
/// </summary>
internal sealed partial class DiagnosisEngine
{
    private readonly DoctorEnvironment _environment;

    public DiagnosisEngine(DoctorEnvironment environment)
    {
        _environment = environment;
    }

    public async Task<Diagnosis> DiagnoseAsync(DoctorRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = request.Message ?? ExplainedMessage.Empty;
        var notes = new List<string>();
        var endpoint = request.Endpoint ?? EndpointFrom(message, notes);
        string? protocol = request.Endpoint is { } given ? ProtocolName(given.Protocol) : message.Protocol;
        string? address = request.Endpoint is { } explicitEndpoint ? explicitEndpoint.Address.ToString() : message.Address;
        int? port = request.Endpoint?.Port ?? message.Port;

        ReproducedBind? reproduction = null;
        if (endpoint is { } live && _environment.ReproduceLive)
        {
            reproduction = await BindReproduction.RunAsync(live, request.User, _environment.SelfExecutable, _environment.SocketPath, cancellation);
        }

        BindErrno? claimed = message.Errno;
        BindErrno? errno = Interpret(reproduction, endpoint, claimed, message, request, notes) ?? claimed;
        var facts = await GatherAsync(request, endpoint, protocol ?? "tcp", port, errno, reproduction?.BrokerAnswer, cancellation);
        var situation = new Situation(request, message, endpoint, protocol ?? "tcp", address, port, errno, reproduction, facts, _environment.Verbs);
        var causes = Rank(situation);
        notes.AddRange(Checked(situation, causes));
        if (facts.KernelGrants is { } kernelGrants)
        {
            notes.Add(kernelGrants.Describe());
        }
        string verdict = Verdict(situation, causes);
        return new Diagnosis(message.Program, protocol, address, port, errno, claimed, reproduction, verdict, notes, causes, message.PortEvidence, message.ErrnoEvidence);
    }

    private static Endpoint? EndpointFrom(ExplainedMessage message, List<string> notes)
    {
        if (message.Port is not { } port)
        {
            return null;
        }

        var protocol = message.Protocol == "udp" ? PortProtocol.Udp : PortProtocol.Tcp;
        IPAddress address;
        switch (message.Address)
        {
            case null or "*" or "0.0.0.0":
                address = IPAddress.Any;
                break;
            case "localhost":
                address = IPAddress.Loopback;
                break;
            case { } text when IPAddress.TryParse(text.Split('%')[0], out var parsed):
                address = parsed;
                break;
            default:
                notes.Add($"The message names the host \"{message.Address}\", not an address; the live checks use 0.0.0.0.");
                address = IPAddress.Any;
                break;
        }

        return new Endpoint(protocol, address, (ushort)port);
    }

    private static BindErrno? ToBindErrno(int errno) => errno switch
    {
        EACCES => BindErrno.EACCES,
        EADDRINUSE => BindErrno.EADDRINUSE,
        EADDRNOTAVAIL => BindErrno.EADDRNOTAVAIL,
        _ => null,
    };

    private static BindErrno? Interpret(ReproducedBind? reproduction, Endpoint? endpoint, BindErrno? claimed, ExplainedMessage message, DoctorRequest request, List<string> notes)
    {
        if (reproduction is null || endpoint is null)
        {
            return null;
        }

        if (reproduction.NotTried is { } why)
        {
            notes.Add($"The bind was not reproduced live: {why}.");
            return null;
        }

        int errno = reproduction.Errno!.Value;
        if (errno == 0)
        {
            notes.Add(claimed switch
            {
                null => $"Binding {endpoint} as {reproduction.As} succeeds now.",
                BindErrno.EACCES when request.User is null =>
                    $"Binding {endpoint} as {reproduction.As} succeeds: the program that failed ran as another user or with fewer capabilities; pass --user (and --exe) to reproduce it as that user.",
                BindErrno.EACCES => $"Binding {endpoint} as {reproduction.As} succeeds now, so the refusal came from the program's own context (its capabilities, a security profile or a container), not from the user alone.",
                BindErrno.EADDRINUSE => $"Binding {endpoint} as {reproduction.As} succeeds now: the port is free, so its holder has gone since the message was written{(message.ErrnoCaveat is null ? "" : ", or the message mislabelled another failure")}.",
                _ => $"Binding {endpoint} as {reproduction.As} succeeds now: the address exists, so it came up after the program tried, or the program bound another address.",
            });
            return null;
        }

        var live = ToBindErrno(errno);
        string described = Privport.Interop.Errno.Describe(errno);
        if (claimed is null)
        {
            notes.Add($"Reproduced live: binding {endpoint} as {reproduction.As} fails with {described}.");
        }
        else if (live == claimed)
        {
            notes.Add($"Confirmed live: binding {endpoint} as {reproduction.As} fails with {described}, as the message says.");
        }
        else
        {
            notes.Add($"Corrected live: the message claims {claimed}, but binding {endpoint} as {reproduction.As} fails with {described}."
                + (message.ErrnoCaveat is { } caveat ? $" {caveat}." : "") + $" The diagnosis follows what this host says.");
        }

        return live;
    }

    private async Task<ProbedHost> GatherAsync(
        DoctorRequest request, Endpoint? endpoint, string protocol, int? port, BindErrno? errno, string? brokerAnswerAsUser, CancellationToken cancellation)
    {
        var root = _environment.Root;
        var kernel = KernelSettings.Read(root);
        var holders = port is { } p ? SocketTable.Holders(root, protocol, p) : [];
        var addresses = LocalAddresses.Read(root);
        var selinux = port is { } sp ? SelinuxFacts.Probe(root, _environment.Commands, protocol, sp) : new SelinuxFacts("unknown", [], false, []);
        string? comm = request.Executable is { } exe ? Path.GetFileName(exe) : null;
        var apparmor = errno is null or BindErrno.EACCES ? AppArmorFacts.Probe(root, comm) : null;
        ExecutableFacts? executable = request.Executable is { } path ? ExecutableFacts.Probe(root, path, MountTable.Read(root)) : null;
        var instances = executable is { Exists: true } ? RunningInstances.Of(root, executable.RealPath) : [];
        var container = ContainerFacts.Probe(root);
        bool privileged = port is { } rp && kernel.UnprivilegedPortStart is { } start && rp < start;
        var redirects = privileged && errno is null or BindErrno.EACCES ? RedirectFacts.Probe(_environment.Commands, port!.Value) : null;
        BrokerFacts? broker = null;
        if (endpoint is { } ep && privileged)
        {
            bool askAsCaller = request.User is null || request.User.Uid == geteuid();
            broker = await BrokerFacts.ProbeAsync(_environment.SocketPath, _environment.PolicyPath, _environment.Accounts,
                request.User, request.Executable, ep, askAsCaller, cancellation);
            if (brokerAnswerAsUser is not null)
            {
                broker = brokerAnswerAsUser == BindReproduction.BrokerUnreachable
                    ? broker with { Running = false, QueryAnswer = null }
                    : broker with { Running = true, QueryAnswer = brokerAnswerAsUser };
            }
        }

        return new ProbedHost(kernel, ProcessStatus.Read(root, "self"), holders, addresses, selinux, apparmor, executable, instances, container, redirects, broker)
        {
            KernelGrants = privileged && _environment.KernelGrantProbe is { } probe ? probe(_environment.Commands) : null,
        };
    }

    private static string ProtocolName(PortProtocol protocol) => protocol == PortProtocol.Udp ? "udp" : "tcp";

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private static bool AddressesConflict(IPAddress held, IPAddress wanted, bool bindV6Only)
    {
        if (held.IsIPv4MappedToIPv6)
        {
            held = held.MapToIPv4();
        }

        if (held.Equals(wanted))
        {
            return true;
        }

        bool heldV6 = held.AddressFamily == AddressFamily.InterNetworkV6;
        bool wantedV6 = wanted.AddressFamily == AddressFamily.InterNetworkV6;
        if (heldV6 == wantedV6)
        {
            return IsWildcard(held) || IsWildcard(wanted);
        }

        // A dual-stack [::] takes 0.0.0.0 too (bindv6only=0), and an IPv4 socket keeps a later dual-stack [::] out.
        return !bindV6Only && ((heldV6 && held.Equals(IPAddress.IPv6Any)) || (wantedV6 && wanted.Equals(IPAddress.IPv6Any)));
    }
}
