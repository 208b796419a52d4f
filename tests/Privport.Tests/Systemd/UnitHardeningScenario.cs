using System.Globalization;
using System.Text.RegularExpressions;
using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>
/// The broker's unit as systemd runs it: the exposure systemd-analyze gives the installed unit is the figure the
/// README and docs/operations.md state, and the running broker's own process has exactly the unit's privileges.
/// The container has its own network namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed partial class UnitHardeningScenario(SystemdContainer container)
{
    [Fact]
    public async Task Systemd_analyze_security_gives_the_exposure_the_docs_state()
    {
        container.Require();
        await container.ResetAsync();
        string readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        string operations = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "operations.md"));
        string stated = ReadmeExposure().Match(readme).Groups[1].Value;
        var operationsFigures = OperationsExposure().Match(operations);
        Assert.True(stated.Length > 0 && operationsFigures.Success, "the README states '(exposure N.N)' and docs/operations.md 'N.N as shipped, N.N with the CAP_SYS_PTRACE drop-in'");
        Assert.Equal(stated, operationsFigures.Groups[1].Value);

        Assert.Equal(stated, await ExposureAsync());
        var link = await container.ShAsync("""
            mkdir -p /etc/systemd/system/privport.service.d
            ln -s /usr/share/privport/exe-and-group-rules.conf /etc/systemd/system/privport.service.d/ && systemctl daemon-reload
            """);
        Assert.True(link.ExitCode == 0, link.ToString());
        Assert.Equal(operationsFigures.Groups[2].Value, await ExposureAsync());
    }

    [Fact]
    public async Task The_running_broker_has_exactly_the_units_privileges()
    {
        container.Require();
        await container.ResetAsync();
        var start = await container.ShAsync("systemctl enable -q --now privport.socket && systemctl start privport.service");
        Assert.True(start.ExitCode == 0, start + (await container.ShAsync("journalctl -u privport --no-pager | tail -20")).Stdout);
        // Facts the kernel keeps about the process systemd started for the unit (nsenter'd shells are not under
        // the unit's sandbox, so nothing is probed from one).
        var facts = await container.ShAsync("""
            pid=$(systemctl show -p MainPID --value privport.service)
            grep -E '^(Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/$pid/status
            awk '$5 == "/" || $5 == "/etc" || $5 == "/etc/privport" || $5 == "/tmp" { print $5, $6 }' /proc/$pid/mountinfo
            readlink /proc/$pid/ns/mnt /proc/1/ns/mnt
            """);
        Assert.True(facts.ExitCode == 0, facts.ToString());
        var status = facts.Stdout.Split('\n').Where(line => line.Contains(':', StringComparison.Ordinal))
            .Select(line => line.Split(':', 2)).Where(pair => pair.Length == 2 && !pair[0].StartsWith("mnt", StringComparison.Ordinal))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim());
        const string NetBindService = "0000000000000400";
        Assert.Equal(NetBindService, status["CapEff"]);
        Assert.Equal(NetBindService, status["CapPrm"]);
        Assert.Equal(NetBindService, status["CapBnd"]);
        Assert.Equal(NetBindService, status["CapAmb"]);
        Assert.Equal("1", status["NoNewPrivs"]);
        Assert.Equal("2", status["Seccomp"]);
        // A dynamic user: neither root nor any account in /etc/passwd.
        uint uid = uint.Parse(status["Uid"].Split('\t')[0], CultureInfo.InvariantCulture);
        Assert.InRange(uid, 61184u, 65519u);

        // ProtectSystem=strict: its view of / and /etc is read-only, in a mount namespace of its own.
        string[] mounts = facts.Stdout.Split('\n').Where(line => line.StartsWith('/')).ToArray();
        Assert.Contains(mounts, line => line.StartsWith("/ ro", StringComparison.Ordinal));
        Assert.DoesNotContain(mounts, line => (line.StartsWith("/ ", StringComparison.Ordinal) || line.StartsWith("/etc", StringComparison.Ordinal)) && line.Contains(" rw", StringComparison.Ordinal));
        string[] namespaces = facts.Stdout.Split('\n').Where(line => line.StartsWith("mnt:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, namespaces.Length);
        Assert.NotEqual(namespaces[0], namespaces[1]);
    }

    private async Task<string> ExposureAsync()
    {
        var security = await container.ShAsync("systemd-analyze security privport.service");
        Assert.True(security.ExitCode == 0, security.ToString());
        var match = AnalyzeExposure().Match(security.Stdout);
        Assert.True(match.Success, security.ToString());
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"hardened broker \(exposure (\d+\.\d)\)")]
    private static partial Regex ReadmeExposure();

    [GeneratedRegex(@"(\d+\.\d) as shipped, (\d+\.\d) with the\s+`CAP_SYS_PTRACE` drop-in")]
    private static partial Regex OperationsExposure();

    [GeneratedRegex(@"Overall exposure level for privport\.service: (\d+\.\d)")]
    private static partial Regex AnalyzeExposure();
}
