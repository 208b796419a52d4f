using System.Text.RegularExpressions;
using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>
/// Debian's nginx package as www-data through privport wrap, from a drop-in on its own unit, on port 80, granted
/// by the README's exe + user rule: denied, with the broker's warning, until the CAP_SYS_PTRACE drop-in is linked.
/// The container has its own network namespace; no host port is used.
/// </summary>
[Collection(nameof(SystemdCollection))]
public sealed partial class NginxWrapScenario(SystemdContainer container)
{
    internal const string Policy = """
        [[allow]]
        name = "web"
        users = ["www-data"]
        exe = ["/usr/sbin/nginx"]
        ports = ["tcp/80", "tcp/443"]
        addresses = ["0.0.0.0", "::"]
        """;

    /// <summary>The drop-in docs/operations.md gives for Debian's nginx, verbatim, with Debian's own nginx.conf.</summary>
    internal static string DocumentedDropIn()
    {
        string operations = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "operations.md"));
        var block = DropInBlock().Match(operations);
        Assert.True(block.Success, "docs/operations.md has no ```ini block for /etc/systemd/system/nginx.service.d/privport.conf");
        return block.Groups[1].Value;
    }

    /// <summary>The edit docs/operations.md asks of Debian's nginx.conf, checked to be the one documented.</summary>
    internal const string DocumentedConfigEdit = "sed -i 's|^pid /run/nginx.pid;|pid /run/nginx/nginx.pid;|' /etc/nginx/nginx.conf";

    internal static async Task SetUpDocumentedNginxAsync(SystemdContainer container)
    {
        Assert.Contains(DocumentedConfigEdit, File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "operations.md")), StringComparison.Ordinal);
        var edit = await container.ShAsync(DocumentedConfigEdit);
        Assert.True(edit.ExitCode == 0, edit.ToString());
        await container.WriteFileAsync("/etc/systemd/system/nginx.service.d/privport.conf", DocumentedDropIn());
    }

    [Fact]
    public async Task Nginx_as_www_data_is_denied_with_the_brokers_warning_without_the_ptrace_drop_in()
    {
        container.Require();
        await SetUpAsync();
        string cursor = await container.JournalCursorAsync();
        var start = await container.ShAsync("systemctl start privport.service; systemctl start nginx.service; sleep 1; systemctl is-active nginx.service");
        Assert.DoesNotContain("\nactive", "\n" + start.Stdout, StringComparison.Ordinal);

        string broker = await container.JournalUntilAsync(cursor, "-u privport.service -o cat", "lacks CAP_SYS_PTRACE");
        Assert.Contains("lacks CAP_SYS_PTRACE", broker, StringComparison.Ordinal);
        Assert.Contains("exe-and-group-rules.conf", broker, StringComparison.Ordinal);
        // The shim's one line naming the denial reaches the journal (stderr is its stream socket), as a warning.
        string nginx = await container.JournalUntilAsync(cursor, "-u nginx.service", "privport: tcp/0.0.0.0:80 denied", priority: 4);
        Assert.True(nginx.Contains("privport: tcp/0.0.0.0:80 denied: rule web", StringComparison.Ordinal),
            "the shim's line is not in the unit's journal at warning priority:\n" + await container.JournalAfterAsync(cursor, "-u nginx.service -o json"));
        // The drop-in names the service in the journal (SyslogIdentifier=), so journalctl -t nginx finds its lines.
        string tagged = await container.JournalUntilAsync(cursor, "-t nginx -o cat", "bind() to 0.0.0.0:80 failed");
        Assert.Contains("bind() to 0.0.0.0:80 failed (13: Permission denied)", tagged, StringComparison.Ordinal);
        var curl = await container.ShAsync("curl -sS -m 5 http://127.0.0.1/");
        Assert.NotEqual(0, curl.ExitCode);
    }

    [Fact]
    public async Task Nginx_as_www_data_serves_port_80_through_wrap_with_the_ptrace_drop_in()
    {
        container.Require();
        await SetUpAsync();
        var link = await container.ShAsync("""
            mkdir -p /etc/systemd/system/privport.service.d
            ln -s /usr/share/privport/exe-and-group-rules.conf /etc/systemd/system/privport.service.d/
            systemctl daemon-reload && systemctl restart privport
            """);
        Assert.True(link.ExitCode == 0, link.ToString());
        string cursor = await container.JournalCursorAsync();
        var start = await container.ShAsync("systemctl start nginx.service");
        Assert.True(start.ExitCode == 0, start + (await container.ShAsync("journalctl -u nginx -u privport --no-pager | tail -30")).Stdout);

        var page = await container.UntilAsync("curl -sS -m 5 http://127.0.0.1/ && curl -sS -m 5 'http://[::1]/'", TimeSpan.FromSeconds(15));
        Assert.True(page.ExitCode == 0, page.ToString());
        Assert.Contains("Welcome to nginx", page.Stdout, StringComparison.Ordinal);
        var users = await container.ShAsync("ps -o user= -C nginx | sort -u");
        Assert.Equal("www-data", users.Stdout.Trim());

        string broker = await container.JournalAfterAsync(cursor, "-u privport.service -o cat");
        Assert.Contains("\"rule\":\"web\"", broker, StringComparison.Ordinal);
        Assert.DoesNotContain("lacks CAP_SYS_PTRACE", broker, StringComparison.Ordinal);
    }

    private async Task SetUpAsync()
    {
        await container.ResetAsync();
        await container.WriteFileAsync("/etc/privport/policy.toml", Policy);
        await SetUpDocumentedNginxAsync(container);
        var enable = await container.ShAsync("systemctl daemon-reload && systemctl enable -q --now privport.socket");
        Assert.True(enable.ExitCode == 0, enable.ToString());
    }

    [GeneratedRegex(@"```ini\n(# /etc/systemd/system/nginx\.service\.d/privport\.conf.*?)```", RegexOptions.Singleline)]
    private static partial Regex DropInBlock();
}
