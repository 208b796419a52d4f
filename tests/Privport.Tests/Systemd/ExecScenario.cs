using Privport.Demo;

namespace Privport.Tests.Systemd;

/// <summary>
/// Services that take their sockets the systemd way, through privport exec in their own units: a Python server
/// under the reduced bounding set a hardened unit gives, and the Kestrel sample. The container has its own network
/// namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed class ExecScenario(SystemdContainer container)
{
    private const string PythonServer = """
        import http.server, os, socket
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"{os.getuid()} {os.environ['LISTEN_FDS']} {os.environ['LISTEN_FDNAMES']}\n".encode()
                self.send_response(200); self.end_headers(); self.wfile.write(body)
        server = http.server.HTTPServer(("0.0.0.0", 80), Handler, bind_and_activate=False)
        server.socket = socket.socket(fileno=3)
        server.serve_forever()
        """;

    [Fact]
    public async Task A_unit_runs_its_server_as_www_data_on_port_80_through_exec_under_its_bounding_set_and_one_without_CAP_SETPCAP_is_refused()
    {
        container.Require();
        await container.ResetAsync();
        await container.WriteFileAsync("/usr/local/lib/privport-test-server.py", PythonServer);
        await container.WriteFileAsync("/etc/systemd/system/privport-test-exec.service", """
            [Service]
            ExecStart=/usr/bin/privport exec --user www-data --port tcp/80 --name http -- /usr/bin/python3 /usr/local/lib/privport-test-server.py
            SyslogIdentifier=privport-test-exec
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_SETPCAP
            NoNewPrivileges=yes
            """);
        var start = await container.ShAsync("systemctl daemon-reload && systemctl start privport-test-exec.service");
        Assert.True(start.ExitCode == 0, start.ToString());

        var page = await container.UntilAsync("curl -sS -m 5 http://127.0.0.1/", TimeSpan.FromSeconds(15));
        Assert.True(page.ExitCode == 0, page + (await container.ShAsync("journalctl -u privport-test-exec --no-pager | tail -20")).Stdout);
        Assert.Equal("33 1 http", page.Stdout.Trim());
        // exec replaced itself with the server: the unit's main process is the server, with nothing left of root's.
        var main = await container.ShAsync("""
            pid=$(systemctl show -p MainPID --value privport-test-exec.service)
            grep -E '^(Uid|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs):' /proc/$pid/status; tr '\0' ' ' </proc/$pid/cmdline
            """);
        Assert.Contains("python3", main.Stdout, StringComparison.Ordinal);
        Assert.Contains("Uid:\t33\t33\t33\t33", main.Stdout, StringComparison.Ordinal);
        Assert.Contains("CapEff:\t0000000000000000", main.Stdout, StringComparison.Ordinal);
        Assert.Contains("CapBnd:\t0000000000000000", main.Stdout, StringComparison.Ordinal);
        Assert.Contains("NoNewPrivs:\t1", main.Stdout, StringComparison.Ordinal);

        // Without CAP_SETPCAP the bounding set cannot be emptied: exec refuses at once, saying what is missing,
        // and the unit is not restarted over it.
        await container.WriteFileAsync("/etc/systemd/system/privport-test-nosetpcap.service", """
            [Service]
            ExecStart=/usr/bin/privport exec --user www-data --port tcp/81 -- /usr/bin/python3 /usr/local/lib/privport-test-server.py
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID
            """);
        string cursor = await container.JournalCursorAsync();
        await container.ShAsync("systemctl daemon-reload && systemctl start privport-test-nosetpcap.service");
        var refused = await container.UntilAsync("systemctl is-failed -q privport-test-nosetpcap.service", TimeSpan.FromSeconds(10));
        Assert.True(refused.ExitCode == 0, refused.ToString());
        var status = await container.ShAsync("systemctl show -p ExecMainStatus --value privport-test-nosetpcap.service");
        Assert.Equal("78", status.Stdout.Trim());
        string journal = await container.JournalUntilAsync(cursor, "-u privport-test-nosetpcap.service", "CAP_SETPCAP", priority: 3);
        Assert.True(journal.Contains("CAP_SETPCAP", StringComparison.Ordinal),
            "the refusal is not at priority err or above:\n" + await container.JournalAfterAsync(cursor, "-u privport-test-nosetpcap.service -o json --output-fields=PRIORITY,MESSAGE"));
    }

    [Fact]
    public async Task The_Kestrel_sample_serves_port_80_from_its_unit_through_exec()
    {
        container.Require();
        string? runtime = DemoStage.RuntimeRoot();
        Assert.SkipWhen(runtime is null || !Directory.Exists(Path.Combine(runtime, "shared", "Microsoft.AspNetCore.App")),
            "the Kestrel sample runs on the host's ASP.NET Core runtime, copied into the container, and this host has none");
        await container.ResetAsync();
        using var sample = new AspNetCore.StagedKestrelSample();
        // The framework-dependent sample with the host's runtime, as an admin would install dotnet: files, no network.
        var copy = await container.ShAsync($"test -x /opt/dotnet/dotnet || echo missing");
        if (copy.Stdout.Contains("missing", StringComparison.Ordinal))
        {
            await CopyTreeAsync(runtime!, container.HostPath("/opt/dotnet"));
        }

        await CopyTreeAsync(sample.Directory, container.HostPath("/opt/kestrel-sample"));
        await container.WriteFileAsync("/etc/systemd/system/privport-test-kestrel.service", """
            [Service]
            ExecStart=/usr/bin/privport exec --user www-data --port tcp/80 -- /opt/dotnet/dotnet /opt/kestrel-sample/KestrelOnPort80.dll
            Environment=DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_SETPCAP
            NoNewPrivileges=yes
            """);
        var start = await container.ShAsync("systemctl daemon-reload && systemctl start privport-test-kestrel.service");
        Assert.True(start.ExitCode == 0, start.ToString());
        var page = await container.UntilAsync("curl -sS -m 5 http://127.0.0.1/", TimeSpan.FromSeconds(30));
        Assert.True(page.ExitCode == 0, page + (await container.ShAsync("journalctl -u privport-test-kestrel --no-pager | tail -20")).Stdout);
        Assert.Contains("Hello from www-data", page.Stdout, StringComparison.Ordinal);
        Assert.Contains("socket from LISTEN_FDS", page.Stdout, StringComparison.Ordinal);
    }

    // Only the runtime's host, shared frameworks and licence: the SDK stays on the host.
    private static async Task CopyTreeAsync(string source, string target)
    {
        var copy = await ContainerCommand.RunAsync(TimeSpan.FromMinutes(2), "/bin/sh",
            ["-c", $"mkdir -p '{target}' && cd '{source}' && tar -cf - --exclude=./sdk --exclude=./packs --exclude=./sdk-manifests --exclude=./templates . | tar -xf - -C '{target}' && chmod -R a+rX '{target}'"]);
        Assert.True(copy.ExitCode == 0, copy.ToString());
    }
}
