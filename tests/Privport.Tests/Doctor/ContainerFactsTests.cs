using Privport.Client;
using Privport.Doctor;
using Privport.Doctor.Explain;
using Privport.Doctor.Probes;

namespace Privport.Tests.Doctor;

/// <summary>
/// Which container the doctor runs in, from the files systemd and the container managers leave, read from a
/// fixture tree standing in for /.
/// </summary>
public sealed class ContainerFactsTests
{
    private static async Task<string> CheckedLine(FixtureHost host)
    {
        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(
            new DoctorRequest(Endpoint.Parse("tcp/0.0.0.0:80"), MessageExplainer.Explain("nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)"), null, null),
            TestContext.Current.CancellationToken);
        return Assert.Single(diagnosis.Notes, line => line.StartsWith("Checked: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inside_systemd_nspawn_the_doctor_says_so_from_run_systemd_container()
    {
        using var host = new FixtureHost();
        host.Write("/run/systemd/container", "systemd-nspawn\n");

        Assert.Equal("systemd-nspawn", ContainerFacts.Probe(host.Host).Runtime);
        string checkedLine = await CheckedLine(host);
        Assert.Contains("inside a systemd-nspawn container", checkedLine, StringComparison.Ordinal);
        Assert.DoesNotContain("not in a container", checkedLine, StringComparison.Ordinal);
    }

    [Fact]
    public void The_container_variable_of_pid_1_names_the_container_when_systemd_left_no_file()
    {
        using var host = new FixtureHost();
        host.Write("/proc/1/environ", "PATH=/usr/bin\0container=lxc\0TERM=linux\0");

        Assert.Equal("lxc", ContainerFacts.Probe(host.Host).Runtime);
    }

    [Fact]
    public void Docker_is_still_found_by_its_marker_file()
    {
        using var host = new FixtureHost();
        host.Write("/.dockerenv", "");

        Assert.Equal("docker", ContainerFacts.Probe(host.Host).Runtime);
    }

    [Fact]
    public async Task With_none_of_the_marks_the_doctor_says_not_in_a_container()
    {
        using var host = new FixtureHost();
        host.Write("/proc/1/environ", "PATH=/usr/bin\0TERM=linux\0");

        Assert.Null(ContainerFacts.Probe(host.Host).Runtime);
        Assert.Contains("not in a container", await CheckedLine(host), StringComparison.Ordinal);
    }

    [Fact]
    public void A_container_name_that_is_not_a_short_printable_word_is_not_repeated()
    {
        using var host = new FixtureHost();
        host.Write("/run/systemd/container", "evil\u001b[2Jname\n");

        Assert.Null(ContainerFacts.Probe(host.Host).Runtime);
    }
}
