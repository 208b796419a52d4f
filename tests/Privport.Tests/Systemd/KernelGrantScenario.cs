namespace Privport.Tests.Systemd;

/// <summary>
/// The kernel-grant path under a real systemd: Debian's caddy package (in the container's root file system) as
/// its own user, with no capabilities, on 80 and 443, granted through BPFProgram= drop-ins that privport writes.
/// The scenario belongs here, on the same container, once privport installs kernel grants; until then it reports
/// itself skipped, saying so. The container has its own network namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed class KernelGrantScenario(SystemdContainer container)
{
    [Fact]
    public async Task Caddy_as_its_own_user_serves_80_and_443_through_a_kernel_grant()
    {
        container.Require();
        var help = await container.ShAsync("privport serve --help");
        Assert.SkipUnless(help.Stdout.Contains("kernel", StringComparison.OrdinalIgnoreCase),
            "this privport has no kernel grants yet (privport serve --help names none): the caddy scenario waits for them");
        Assert.Fail("kernel grants exist: write this scenario (caddy.service, BPFProgram= drop-ins, curl on 80 and 443)");
    }
}
