using Privport.Doctor.Probes;
using Privport.HostFacts;

namespace Privport.Doctor;

/// <summary>Everything the probes found that bears on one failed bind.</summary>
internal sealed record ProbedHost(
    KernelSettings Kernel,
    ProcessStatus? Self,
    IReadOnlyList<PortHolder> Holders,
    LocalAddresses? Addresses,
    SelinuxFacts Selinux,
    AppArmorFacts? AppArmor,
    ExecutableFacts? Executable,
    IReadOnlyList<(int Pid, ProcessStatus Status)> ExecutableInstances,
    ContainerFacts Container,
    RedirectFacts? Redirects,
    BrokerFacts? Broker)
{
    /// <summary>Whether this host can grant the port in the kernel; probed only on the live host for a privileged port.</summary>
    public KernelGrantFacts? KernelGrants { get; init; }
}
