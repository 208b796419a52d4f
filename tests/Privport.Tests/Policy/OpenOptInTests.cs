using Privport.Client;
using Privport.Policy;
using static Privport.Tests.Policy.FakeAccountDirectory;
using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>
/// What an OPEN asks for beyond its endpoint (SO_REUSEPORT, a peer in another network namespace) is allowed only by a
/// rule that opts in, and an IPv6-only grant of <c>::</c> says so.
/// </summary>
public sealed class OpenOptInTests
{
    private const string Rule = "[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n";

    private static readonly PeerIdentity WwwDataPeer = Peer(WwwData, 33, "/usr/sbin/nginx");

    private static Decision DecideOpen(string toml, bool reusePort, bool otherNetworkNamespace) =>
        Load(toml).Decide(WwwDataPeer, Endpoint.Parse("tcp/80"), ipv6Only: false, new OpenTerms(reusePort, otherNetworkNamespace));

    [Fact]
    public void Open_with_reuseport_needs_the_rule_to_opt_in_and_the_denial_names_the_key()
    {
        var refused = DecideOpen(Rule, reusePort: true, otherNetworkNamespace: false);
        var optedIn = DecideOpen(Rule + "reuseport = true\n", reusePort: true, otherNetworkNamespace: false);

        Assert.False(refused.Allowed);
        Assert.Contains("reuseport = true", refused.Reason, StringComparison.Ordinal);
        Assert.Equal("web", refused.NearestRuleId);
        Assert.True(optedIn.Allowed, optedIn.Reason);
    }

    [Fact]
    public void Open_from_another_network_namespace_needs_the_rule_to_opt_in_and_the_denial_names_the_key()
    {
        var refused = DecideOpen(Rule, reusePort: false, otherNetworkNamespace: true);
        var optedIn = DecideOpen(Rule + "any_network_namespace = true\n", reusePort: false, otherNetworkNamespace: true);

        Assert.False(refused.Allowed);
        Assert.Contains("any_network_namespace = true", refused.Reason, StringComparison.Ordinal);
        Assert.True(optedIn.Allowed, optedIn.Reason);
    }

    [Fact]
    public void Bind_and_query_ask_for_no_opt_in()
    {
        Assert.True(Load(Rule).Decide(WwwDataPeer, Endpoint.Parse("tcp/80"), ipv6Only: false).Allowed);
    }

    [Fact]
    public void A_later_rule_that_opts_in_grants_what_an_earlier_one_does_not()
    {
        string toml = Rule + "[[allow]]\nname = \"shared\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\nreuseport = true\n";

        Assert.Equal("shared", DecideOpen(toml, reusePort: true, otherNetworkNamespace: false).RuleId);
    }

    [Theory]
    [InlineData("reuseport = \"true\"", "reuseport")]
    [InlineData("reuseport = 1", "reuseport")]
    [InlineData("any_network_namespace = [true]", "any_network_namespace")]
    public void A_flag_that_is_not_a_boolean_is_an_error_at_its_line(string line, string field)
    {
        var error = SingleError(Rule + line + "\n");

        Assert.Equal((field, 5), (error.Field, error.Line));
        Assert.Contains($"must be true or false (no quotes), e.g. {field} = true", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reuse_port", "reuseport")]
    [InlineData("netns", "any_network_namespace")]
    public void A_near_miss_key_suggests_the_real_one(string key, string meant)
    {
        var error = SingleError(Rule + key + " = true\n");

        Assert.Contains($"did you mean '{meant}'?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_check_shows_the_opt_ins_as_text_and_json()
    {
        var policy = Load(Rule + "reuseport = true\n");
        var text = new StringWriter();
        var json = new StringWriter();

        PolicyTextWriter.Write(policy, text);
        PolicyJsonWriter.Write(policy, json);

        Assert.Contains("reuseport  allowed on OPEN", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("netns      OPEN only from the broker's network namespace", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"reuseport\": true", json.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"any_network_namespace\": false", json.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipv6_only_grant_of_the_wildcard_is_marked_when_the_ipv4_wildcard_is_not_granted()
    {
        const string OnlyIPv6 = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"::\"]\n";

        var onlyIPv6 = Load(OnlyIPv6).Decide(WwwDataPeer, Endpoint.Parse("tcp/[::]:80"), ipv6Only: true);
        var both = Load(Rule).Decide(WwwDataPeer, Endpoint.Parse("tcp/[::]:80"), ipv6Only: true);
        var specific = Load(OnlyIPv6.Replace("\"::\"", "\"::1\"", StringComparison.Ordinal)).Decide(WwwDataPeer, Endpoint.Parse("tcp/[::1]:80"), ipv6Only: true);

        Assert.True(onlyIPv6.Allowed && onlyIPv6.RequiresIPv6Only, onlyIPv6.Reason);
        Assert.True(both.Allowed && !both.RequiresIPv6Only, both.Reason);
        Assert.True(specific.Allowed && !specific.RequiresIPv6Only, specific.Reason);
    }
}
