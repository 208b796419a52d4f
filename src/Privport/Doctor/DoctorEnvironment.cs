using Privport.Client;
using Privport.Doctor.Probes;
using Privport.Policy;
using Privport.HostFacts;

namespace Privport.Doctor;

/// <summary>
/// Where the doctor looks: the host root, listing commands, accounts, the broker and its policy; and which privport
/// verbs this build has, so a fix never names one that is missing.
/// </summary>
internal sealed record DoctorEnvironment(
    HostRoot Root,
    IHostCommands Commands,
    IAccountDirectory Accounts,
    string SocketPath,
    string PolicyPath,
    string? SelfExecutable,
    bool ReproduceLive)
{
    public IReadOnlySet<string> Verbs { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>How to learn whether this host can grant ports in the kernel; none for a host that is not this one.</summary>
    public Func<IHostCommands, KernelGrantFacts>? KernelGrantProbe { get; init; }

    /// <param name="socketPath">The broker's socket, when not the default.</param>
    /// <param name="verbs">The verbs of this build's command line, given by the command line itself.</param>
    public static DoctorEnvironment Live(string? socketPath, IEnumerable<string> verbs) => new(
        HostRoot.Live,
        new SystemHostCommands(),
        new SystemAccountDirectory(),
        socketPath ?? Environment.GetEnvironmentVariable(PrivportClient.SocketEnvironmentVariable) ?? PrivportClient.DefaultSocketPath,
        PolicyLoader.DefaultPath,
        Environment.ProcessPath,
        ReproduceLive: true)
    {
        Verbs = verbs.ToHashSet(StringComparer.Ordinal),
        KernelGrantProbe = KernelGrantFacts.Probe,
    };
}
