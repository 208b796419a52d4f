using Privport.Client;
using Privport.Doctor.Probes;
using Privport.Policy;

namespace Privport.Doctor;

/// <summary>Where the doctor looks: the host root, listing commands, accounts, the broker and its policy.</summary>
internal sealed record DoctorEnvironment(
    HostRoot Root,
    IHostCommands Commands,
    IAccountDirectory Accounts,
    string SocketPath,
    string PolicyPath,
    string? SelfExecutable,
    bool ReproduceLive)
{
    public static DoctorEnvironment Live(string? socketPath) => new(
        HostRoot.Live,
        new SystemHostCommands(),
        new SystemAccountDirectory(),
        socketPath ?? Environment.GetEnvironmentVariable(PrivportClient.SocketEnvironmentVariable) ?? PrivportClient.DefaultSocketPath,
        PolicyLoader.DefaultPath,
        Environment.ProcessPath,
        ReproduceLive: true);
}
