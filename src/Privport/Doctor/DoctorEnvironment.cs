using Privport.Client;
using Privport.Doctor.Probes;
using Privport.Policy;

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

    public static DoctorEnvironment Live(string? socketPath) => new(
        HostRoot.Live,
        new SystemHostCommands(),
        new SystemAccountDirectory(),
        socketPath ?? Environment.GetEnvironmentVariable(PrivportClient.SocketEnvironmentVariable) ?? PrivportClient.DefaultSocketPath,
        PolicyLoader.DefaultPath,
        Environment.ProcessPath,
        ReproduceLive: true)
    {
        Verbs = Privport.Commands.CommandLine.Build().Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal),
    };
}
