using System.Text.Json;
using System.Text.RegularExpressions;
using Privport.Doctor;
using Privport.Doctor.Explain;
using Privport.Doctor.Output;

namespace Privport.Tests.Doctor;

/// <summary>Endpoints and errnos read from the shape of a message, with no program signature to lean on.</summary>
public sealed partial class MessageStructureTests
{
    [Theory]
    [InlineData("Failed to bind on [0.0.0.0:443]: Permission denied", 443, "EACCES", "bracketed endpoint")]
    [InlineData("server error: listen on http://[::]:80 refused: EACCES", 80, "EACCES", "url")]
    [InlineData("starting on http://localhost:80 ...\nerror: Address already in use", 80, "EADDRINUSE", "url")]
    [InlineData("warning: could not listen for 0.0.0.0 port 53: address in use", 53, "EADDRINUSE", "port phrase")]
    [InlineData("smtpd: bind to port 25: Permission denied", 25, "EACCES", "port phrase")]
    [InlineData("{listen_error, [{ip, {0,0,0,0}}, {port, 443}], eacces}", 443, "EACCES", "port keyword")]
    [InlineData("** (EXIT) an exception was raised: [scheme: :https, port: 443, ip: {0, 0, 0, 0}]\n    ** (MatchError) {:error, :eacces}", 443, "EACCES", "port keyword")]
    public void A_message_is_read_by_its_structure_not_by_its_program(string message, int port, string errno, string form)
    {
        var explained = MessageExplainer.Explain(message);

        Assert.Equal(port, explained.Port);
        Assert.Equal(errno, explained.Errno?.ToString());
        Assert.Equal(form, explained.PortEvidence?.Form);
    }

    [Theory]
    [InlineData("bind(7) failed errno=13")]
    [InlineData("worker 4242 at main.go:26 (server.rs:72:25): bind: Permission denied, wrote 1024 bytes at 09:55:40")]
    [InlineData("[1472498940] unbound[3406:0] error: can't bind socket: Address already in use for ::1")]
    public void Numbers_that_are_fds_pids_positions_or_times_are_not_ports(string message)
    {
        var explained = MessageExplainer.Explain(message);

        Assert.Null(explained.Port);
        Assert.Null(explained.PortEvidence);
        Assert.NotNull(explained.Errno);
    }

    [Fact]
    public async Task A_message_without_a_port_is_answered_with_no_port_not_a_guess()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain(CorpusSample.Load("deno-1.17-std-url-no-port").Text);

        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);

        Assert.Null(diagnosis.Port);
        Assert.Null(diagnosis.PortEvidence);
        Assert.Contains("the message names no port", diagnosis.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void The_errno_is_taken_from_the_endpoint_line_not_from_an_earlier_unrelated_failure()
    {
        var explained = MessageExplainer.Explain(CorpusSample.Load("ntpd-4.2.8-hash-port").Text);

        Assert.Equal(123, explained.Port);
        Assert.Equal(BindErrno.EADDRINUSE, explained.Errno);
        Assert.Equal(new Evidence(5, 48, "127.0.0.1#123", "address#port"), explained.PortEvidence);
        Assert.Equal(5, explained.ErrnoEvidence?.Line);
    }

    [Fact]
    public async Task Json_names_the_line_span_and_form_of_the_port_and_errno_it_used()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain(CorpusSample.Load("mosquitto-1.6-eacces").Text);
        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);
        using var stream = new MemoryStream();

        DiagnosisJsonWriter.Write(diagnosis, stream);

        using var json = JsonDocument.Parse(stream.ToArray());
        var evidence = json.RootElement.GetProperty("evidence");
        var port = evidence.GetProperty("port");
        Assert.Equal(3, port.GetProperty("line").GetInt32());
        Assert.Equal("port 443", port.GetProperty("text").GetString());
        Assert.Equal("port phrase", port.GetProperty("form").GetString());
        var errno = evidence.GetProperty("errno");
        Assert.Equal(4, errno.GetProperty("line").GetInt32());
        Assert.Equal("Permission denied", errno.GetProperty("text").GetString());
        Assert.Equal("strerror text", errno.GetProperty("form").GetString());
        Assert.Equal(443, json.RootElement.GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task The_coloured_report_is_the_plain_report_with_colour()
    {
        using var host = new FixtureHost();
        var message = MessageExplainer.Explain("nginx: [emerg] bind() to [::]:80 failed (13: Permission denied)");
        var diagnosis = await new DiagnosisEngine(host.Environment()).DiagnoseAsync(new DoctorRequest(null, message, null, null), TestContext.Current.CancellationToken);
        var plain = new StringWriter();
        var coloured = new StringWriter();

        DiagnosisTextWriter.Write(diagnosis, plain, colour: false);
        DiagnosisTextWriter.Write(diagnosis, coloured, colour: true);

        Assert.Contains('\u001b', coloured.ToString());
        Assert.Equal(plain.ToString(), AnsiEscape().Replace(coloured.ToString(), ""));
    }

    [GeneratedRegex(@"\u001b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
