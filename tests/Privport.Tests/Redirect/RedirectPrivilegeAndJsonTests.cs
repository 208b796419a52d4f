using System.Text.Json;
using Privport.Redirect;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Redirect;

/// <summary>
/// <c>privport redirect</c> without CAP_NET_ADMIN is refused with exit 77 before nft runs, in any locale; and
/// <c>redirect list --json</c> in a network namespace the test creates.
/// </summary>
public sealed class RedirectPrivilegeAndJsonTests(StagedPrivport privport)
{
    private const uint Nobody = 65534;

    [Theory]
    [InlineData("add", "tcp/80", "8080")]
    [InlineData("remove", "tcp/80", "8080")]
    [InlineData("list")]
    [InlineData("list", "--json")]
    public async Task Without_CAP_NET_ADMIN_every_verb_exits_77_and_says_so(params string[] arguments)
    {
        Privilege.RequireRoot();

        var refused = await Run.AsUidAsync(Nobody, "/usr/bin/env", ["LC_ALL=de_DE.UTF-8", "LANG=de_DE.UTF-8", privport.Executable, "redirect", .. arguments]);

        Assert.True(refused.ExitCode == 77, refused.ToString());
        Assert.Contains("CAP_NET_ADMIN", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("run it as root", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(refused.Stdout);
    }

    [Fact]
    public void The_effective_capability_set_decides()
    {
        Assert.True(NetworkAdministration.Permitted(["Name:\tprivport", "CapInh:\t0000000000000000", "CapEff:\t000001ffffffffff"]));
        Assert.True(NetworkAdministration.Permitted(["CapPrm:\t0000000000000000", "CapEff:\t0000000000001000"]));
        Assert.False(NetworkAdministration.Permitted(["CapPrm:\t0000000000001000", "CapEff:\t0000000000000400"]));
        Assert.False(NetworkAdministration.Permitted(["Name:\tprivport"]));
    }

    [Fact]
    public async Task List_json_names_each_redirect_and_its_chains()
    {
        NetworkNamespace.Require();
        await using var space = await NetworkNamespace.CreateAsync();

        using (var empty = JsonDocument.Parse((await space.RunAsync(privport.Executable, "redirect", "list", "--json")).Stdout))
        {
            Assert.Equal(RedirectTable.Table, empty.RootElement.GetProperty("table").GetString());
            Assert.Equal(0, empty.RootElement.GetProperty("redirects").GetArrayLength());
        }

        Assert.Equal(0, (await space.RunAsync(privport.Executable, "redirect", "add", "tcp/80", "8080")).ExitCode);
        Assert.Equal(0, (await space.RunAsync(privport.Executable, "redirect", "add", "udp/53", "5353", "--address", "127.0.0.1")).ExitCode);

        var list = await space.RunAsync(privport.Executable, "redirect", "list", "--json");

        Assert.True(list.ExitCode == 0, list.ToString());
        using var json = JsonDocument.Parse(list.Stdout);
        var redirects = json.RootElement.GetProperty("redirects").EnumerateArray().ToArray();
        Assert.Equal(2, redirects.Length);
        Assert.Equal("tcp", redirects[0].GetProperty("protocol").GetString());
        Assert.Equal(80, redirects[0].GetProperty("port").GetInt32());
        Assert.Equal(8080, redirects[0].GetProperty("target_port").GetInt32());
        Assert.Equal(JsonValueKind.Null, redirects[0].GetProperty("address").ValueKind);
        Assert.Equal(["prerouting", "output"], redirects[0].GetProperty("chains").EnumerateArray().Select(chain => chain.GetString()));
        Assert.Equal("udp", redirects[1].GetProperty("protocol").GetString());
        Assert.Equal(53, redirects[1].GetProperty("port").GetInt32());
        Assert.Equal(5353, redirects[1].GetProperty("target_port").GetInt32());
        Assert.Equal("127.0.0.1", redirects[1].GetProperty("address").GetString());
    }
}
