using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Doctor;

/// <summary>The doctor against this very host, as root, with the privport binary under test (ports 700-719).</summary>
public sealed class DoctorLiveTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;

    // TEST-NET-2 (RFC 5737): documentation only, never configured on a host.
    private const string DocumentationAddress = "198.51.100.7";

    private async Task<(ProcessResult Result, JsonElement Json)> DoctorJsonAsync(params string[] arguments)
    {
        var result = await Run.AsRootAsync(privport.Executable, ["doctor", .. arguments, "--json"]);
        Assert.True(result.Stdout.Length > 0, result.ToString());
        return (result, JsonDocument.Parse(result.Stdout).RootElement);
    }

    private static string[] CauseIds(JsonElement json) =>
        json.GetProperty("causes").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToArray();

    [Fact]
    public async Task An_unprivileged_user_gets_eacces_reproduced_live_and_the_privileged_port_cause()
    {
        Privilege.RequireRoot();

        var (result, json) = await DoctorJsonAsync("tcp/127.0.0.1:701", "--user", Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("EACCES", json.GetProperty("errno").GetString());
        Assert.Equal("EACCES", json.GetProperty("reproduction").GetProperty("result").GetString());
        Assert.Equal("privileged-port", CauseIds(json)[0]);
        var fixes = json.GetProperty("causes")[0].GetProperty("fixes");
        Assert.Contains("users = [\"nobody\"]", fixes[0].GetProperty("commands")[0].GetString(), StringComparison.Ordinal);
        Assert.All(fixes.EnumerateArray(), f => Assert.False(string.IsNullOrEmpty(f.GetProperty("tradeoff").GetString())));
    }

    [Fact]
    public async Task A_real_listener_is_named_with_its_pid_in_the_port_in_use_cause()
    {
        Privilege.RequireRoot();
        using var listener = new TcpListener(IPAddress.Loopback, 702);
        listener.Start();

        var (result, json) = await DoctorJsonAsync("tcp/127.0.0.1:702");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("EADDRINUSE", json.GetProperty("errno").GetString());
        var cause = json.GetProperty("causes")[0];
        Assert.Equal("port-in-use", cause.GetProperty("id").GetString());
        Assert.Contains(cause.GetProperty("evidence").EnumerateArray(),
            e => e.GetString()!.Contains($"pid {Environment.ProcessId} ", StringComparison.Ordinal));

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, 702, TestContext.Current.CancellationToken);
        Assert.True(client.Connected, "the listener still accepts after the doctor looked at it");
    }

    [Fact]
    public async Task A_documentation_range_address_gives_eaddrnotavail()
    {
        Privilege.RequireRoot();

        var (result, json) = await DoctorJsonAsync($"tcp/{DocumentationAddress}:703");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("EADDRNOTAVAIL", json.GetProperty("errno").GetString());
        Assert.Equal("address-not-available", CauseIds(json)[0]);
    }

    [Fact]
    public async Task A_spring_boot_in_use_claim_is_corrected_by_the_live_bind()
    {
        Privilege.RequireRoot();
        string message = "***************************\nAPPLICATION FAILED TO START\n***************************\n\nDescription:\n\nWeb server failed to start. Port 704 was already in use.";

        var (result, json) = await DoctorJsonAsync("tcp/127.0.0.1:704", "--user", "nobody", "--explain", message);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("spring-boot", json.GetProperty("program").GetString());
        Assert.Equal("EADDRINUSE", json.GetProperty("claimedErrno").GetString());
        Assert.Equal("EACCES", json.GetProperty("errno").GetString());
        Assert.Contains(json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("Corrected live", StringComparison.Ordinal));
        Assert.Equal("privileged-port", CauseIds(json)[0]);
    }

    [Fact]
    public async Task The_explain_text_can_come_from_stdin_and_a_message_without_a_port_prints_null()
    {
        Privilege.RequireRoot();

        var result = await Run.AsRootAsync("/bin/sh", "-c",
            $"printf '%s\\n' 'PermissionError: [Errno 13] Permission denied' | '{privport.Executable}' doctor --explain - --json");
        var json = JsonDocument.Parse(result.Stdout).RootElement;

        Assert.Equal(JsonValueKind.Null, json.GetProperty("port").ValueKind);
        Assert.Equal("EACCES", json.GetProperty("errno").GetString());
        Assert.Equal("python", json.GetProperty("program").GetString());
    }

    [Fact]
    public async Task The_human_report_is_plain_text_when_not_a_terminal()
    {
        var result = await Run.AsRootAsync(privport.Executable, "doctor", "--explain", "(13)Permission denied: make_sock: could not bind to address 0.0.0.0:88");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("tcp/0.0.0.0:88: EACCES", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.Contains("Cause 1: privileged-port", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_without_an_endpoint_or_a_message_is_a_usage_error()
    {
        var result = await Run.AsRootAsync(privport.Executable, "doctor");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--explain", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_broker_is_asked_as_the_user_and_its_grant_leads_the_fixes()
    {
        Privilege.RequireRoot();
        await using var broker = await RunningBroker.StartAsync(privport, """
            [[allow]]
            name = "doctor-live"
            users = ["nobody"]
            ports = ["tcp/709"]
            addresses = ["127.0.0.1"]
            """);

        var (result, json) = await DoctorJsonAsync("tcp/127.0.0.1:709", "--user", "nobody", "--socket", broker.SocketPath);

        Assert.Equal(0, result.ExitCode);
        var cause = json.GetProperty("causes")[0];
        Assert.Equal("privileged-port", cause.GetProperty("id").GetString());
        Assert.Contains(cause.GetProperty("evidence").EnumerateArray(),
            e => e.GetString()!.Contains("asked by nobody, it says allow: granted by doctor-live", StringComparison.Ordinal));
        string firstFix = cause.GetProperty("fixes")[0].GetProperty("commands")[0].GetString()!;
        Assert.Contains($"privport wrap --socket {broker.SocketPath}", firstFix, StringComparison.Ordinal);
    }
}
