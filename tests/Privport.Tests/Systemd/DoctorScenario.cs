namespace Privport.Tests.Systemd;

/// <summary>privport doctor run by the admin inside a systemd-nspawn container knows it is in one. The container
/// has its own network namespace; no host port is used.</summary>
[Collection(nameof(SystemdCollection))]
public sealed class DoctorScenario(SystemdContainer container)
{
    [Fact]
    public async Task Doctor_says_it_runs_inside_systemd_nspawn()
    {
        container.Require();
        await container.ResetAsync();
        var marker = await container.ShAsync("cat /run/systemd/container");
        Assert.Equal("systemd-nspawn", marker.Stdout.Trim());
        var doctor = await container.ShAsync("privport doctor tcp/80 --user www-data");
        Assert.Contains("systemd-nspawn", doctor.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not in a container", doctor.Stdout, StringComparison.Ordinal);
    }
}
