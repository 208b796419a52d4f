using System.Text.RegularExpressions;
using Privport.Tests.Packaging;

namespace Privport.Tests.Systemd;

/// <summary>The README's "Install as a service" steps, verbatim, under a real systemd. The container has its own
/// network namespace; no host port is used.</summary>
[Collection(nameof(SystemdCollection))]
public sealed partial class AdminPathScenario(SystemdContainer container)
{
    [Fact]
    public async Task Readme_install_edit_check_enable_and_status()
    {
        container.Require();
        await container.ResetAsync();
        TestContext.Current.TestOutputHelper?.WriteLine("container: " + string.Join("; ", container.Timings));

        // dpkg -i / apt: enables nothing, says what to do.
        Assert.Contains("systemctl enable --now privport.socket", container.Installation!.Stdout, StringComparison.Ordinal);
        var enabled = await container.ShAsync("systemctl is-enabled privport.socket privport.service; systemctl is-active privport.socket");
        Assert.DoesNotContain("\nenabled", "\n" + enabled.Stdout, StringComparison.Ordinal);

        // $EDITOR /etc/privport/policy.toml: the README's own policy.
        string policy = ReadmePolicy().Match(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"))).Groups[1].Value;
        Assert.Contains("[[allow]]", policy, StringComparison.Ordinal);
        await container.WriteFileAsync("/etc/privport/policy.toml", policy);

        var check = await container.ShAsync("privport policy check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("web", check.Stdout, StringComparison.Ordinal);

        var enable = await container.ShAsync("systemctl enable --now privport.socket");
        Assert.True(enable.ExitCode == 0, enable.ToString());

        var status = await container.ShAsync("privport status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("socket-activated", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 rules", status.Stdout, StringComparison.Ordinal);
        var active = await container.ShAsync("systemctl is-active privport.socket privport.service && systemctl is-enabled privport.socket");
        Assert.True(active.ExitCode == 0, active.ToString());
    }

    [GeneratedRegex(@"```toml\n(# /etc/privport/policy.toml.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmePolicy();
}
