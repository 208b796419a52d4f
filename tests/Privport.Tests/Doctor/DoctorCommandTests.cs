using Privport.Commands;
using Privport.Doctor;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Output;

namespace Privport.Tests.Doctor;

public sealed class DoctorCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(FixtureHost host, string? endpoint, string? user, string? exe, string? explain, bool json = false, string stdin = "")
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await new DoctorCommand(output, error, () => new StringReader(stdin))
            .RunAsync(host.Environment(), endpoint, user, exe, explain, json, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("tcp/0", null, null, "is not a number")]
    [InlineData("tcp/80", "no-such-user-here", null, "unknown user 'no-such-user-here'")]
    [InlineData("tcp/80", null, "nginx", "not an absolute path")]
    public async Task Usage_errors_say_what_is_wrong_and_exit_64(string endpoint, string? user, string? exe, string expected)
    {
        using var host = new FixtureHost();

        var (exit, output, error) = await RunAsync(host, endpoint, user, exe, null);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task Explain_dash_reads_the_message_from_stdin()
    {
        using var host = new FixtureHost();

        var (exit, output, _) = await RunAsync(host, null, null, null, "-", json: true,
            stdin: "2024/12/16 15:09:01 [emerg] 1686#1686: bind() to 0.0.0.0:80 failed (13: Permission denied)\n");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("\"program\": \"nginx\"", output, StringComparison.Ordinal);
        Assert.Contains("\"port\": 80,", output, StringComparison.Ordinal);
        Assert.Contains("\"id\": \"privileged-port\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_cause_found_exits_1()
    {
        using var host = new FixtureHost();

        var (exit, output, _) = await RunAsync(host, "tcp/127.0.0.1:8080", null, null, null);

        Assert.Equal(ExitCodes.NoCauseFound, exit);
        Assert.Contains("no known cause", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rootless_publish_message_gets_the_rootlesskit_fixes_first()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain(CorpusSample.Load("rootless-podman").Text);

        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);

        Assert.Equal(CauseIds.RootlessPublish, diagnosis.Causes[0].Id);
        Assert.Contains(diagnosis.Causes[0].Fixes[0].Commands, c => c.Contains("rootlesskit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_address_the_host_lacks_is_address_not_available()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain(CorpusSample.Load("go-not-local").Text);

        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);

        var cause = diagnosis.Causes[0];
        Assert.Equal(CauseIds.AddressNotAvailable, cause.Id);
        Assert.Contains("172.17.42.1 is not an address of this host", cause.Evidence[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_coloured_report_escapes_markup_and_leads_with_the_verdict()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain("nginx: [emerg] bind() to [::]:80 failed (13: Permission denied)");
        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);
        var output = new StringWriter();

        DiagnosisTextWriter.Write(diagnosis, output, colour: true);

        string text = output.ToString();
        Assert.Contains('\u001b', text);
        Assert.Contains("tcp/[::]:80: EACCES", text, StringComparison.Ordinal);
        Assert.Contains("'{ type nat hook prerouting priority dstnat; }'", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spring_boot_in_use_claim_without_a_live_bind_still_considers_the_privileged_port()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain(CorpusSample.Load("spring-boot-port-in-use-mislabel").Text);

        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);

        var cause = Assert.Single(diagnosis.Causes);
        Assert.Equal(CauseIds.PrivilegedPort, cause.Id);
        Assert.Contains(cause.Evidence, e => e.Contains("Spring Boot reports a failed bind", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_forwarder_fix_is_offered_only_when_this_build_has_privport_forward()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain("listen tcp 127.0.0.1:80: bind: permission denied");
        var request = new DoctorRequest(null, message, null, null);

        var without = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(request, TestContext.Current.CancellationToken);
        var with = await new DiagnosisEngine(host.Environment() with { Verbs = new HashSet<string> { "forward" } }).DiagnoseAsync(request, TestContext.Current.CancellationToken);

        Assert.DoesNotContain(without.Causes[0].Fixes, f => f.Title.Contains("privport forward", StringComparison.Ordinal));
        var fix = Assert.Single(with.Causes[0].Fixes, f => f.Title.Contains("privport forward", StringComparison.Ordinal));
        string[] lines = fix.Commands[0].Split('\n');
        Assert.Equal(["user = \"nobody\"", "", "[[forward]]", "listen = \"tcp/127.0.0.1:80\"", "target = \"127.0.0.1:8080\"", "EOF"], lines[1..]);
        Assert.Equal("systemctl enable --now privport-forward@port-80", fix.Commands[1]);
    }
}
