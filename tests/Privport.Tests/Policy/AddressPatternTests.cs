using System.Net;
using Privport.Policy;

namespace Privport.Tests.Policy;

public sealed class AddressPatternTests
{
    private static AddressPattern Pattern(string text)
    {
        Assert.True(AddressPattern.TryParse(text, out var pattern, out string? error), error);
        return pattern;
    }

    private static bool Matches(string pattern, string address) => Pattern(pattern).Matches(IPAddress.Parse(address));

    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0", true)]
    [InlineData("0.0.0.0", "127.0.0.1", false)]
    [InlineData("0.0.0.0", "::", false)]
    [InlineData("::", "::", true)]
    [InlineData("::", "::1", false)]
    [InlineData("::", "0.0.0.0", false)]
    public void Wildcard_matches_only_the_same_wildcard(string pattern, string address, bool expected) =>
        Assert.Equal(expected, Matches(pattern, address));

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("127.0.0.1", "0.0.0.0", false)]
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "::", false)]
    [InlineData("192.0.2.10", "0.0.0.0", false)]
    public void Specific_address_matches_only_itself(string pattern, string address, bool expected) =>
        Assert.Equal(expected, Matches(pattern, address));

    [Theory]
    [InlineData("127.0.0.0/8", "127.0.0.1", true)]
    [InlineData("127.0.0.0/8", "127.255.255.254", true)]
    [InlineData("127.0.0.0/8", "128.0.0.1", false)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("127.0.0.1/32", "127.0.0.1", true)]
    public void Prefix_matches_addresses_inside_it(string pattern, string address, bool expected) =>
        Assert.Equal(expected, Matches(pattern, address));

    [Theory]
    [InlineData("0.0.0.0/0", "0.0.0.0")]
    [InlineData("::/0", "::")]
    [InlineData("0.0.0.0/8", "0.0.0.0")]
    [InlineData("0.0.0.0/32", "0.0.0.0")]
    public void Prefix_never_matches_a_wildcard(string pattern, string address) =>
        Assert.False(Matches(pattern, address));

    [Fact]
    public void Everything_prefix_still_matches_every_specific_address()
    {
        Assert.True(Matches("0.0.0.0/0", "203.0.113.7"));
        Assert.True(Matches("::/0", "2001:db8::1"));
    }

    [Fact]
    public void Ipv6_prefix_does_not_match_ipv4_addresses()
    {
        Assert.False(Matches("::/0", "127.0.0.1"));
    }

    [Fact]
    public void Address_without_scope_matches_any_scope()
    {
        Assert.True(Pattern("fe80::1").Matches(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 3)));
    }

    [Fact]
    public void Address_with_scope_matches_only_that_scope()
    {
        var pattern = Pattern("fe80::1%3");
        Assert.True(pattern.Matches(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 3)));
        Assert.False(pattern.Matches(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 4)));
        Assert.False(pattern.Matches(IPAddress.Parse("fe80::1")));
    }

    [Fact]
    public void Ipv4_mapped_rule_address_is_read_as_ipv4()
    {
        var pattern = Pattern("::ffff:192.0.2.1");
        Assert.True(pattern.Matches(IPAddress.Parse("192.0.2.1")));
        Assert.True(Pattern("::ffff:10.0.0.0/104").Matches(IPAddress.Parse("10.1.2.3")));
    }

    [Fact]
    public void Prefix_with_bits_after_the_length_is_rejected_with_the_network_to_write()
    {
        Assert.False(AddressPattern.TryParse("127.0.0.1/8", out _, out string? error));
        Assert.Contains("127.0.0.0/8", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("10")]
    [InlineData("010.0.0.1")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    public void Ipv4_address_must_be_a_dotted_quad(string text)
    {
        Assert.False(AddressPattern.TryParse(text, out _, out string? error));
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("[::1]", "without brackets")]
    [InlineData("10.0.0.0/33", "0 to 32")]
    [InlineData("fd00::/129", "0 to 128")]
    [InlineData("10.0.0.0/", "0 to 32")]
    [InlineData("*", "omit addresses")]
    [InlineData("::ffff:10.0.0.0/64", "/96")]
    public void Bad_address_is_rejected_saying_what_to_write(string text, string advice)
    {
        Assert.False(AddressPattern.TryParse(text, out _, out string? error));
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
        Assert.Contains(advice, error, StringComparison.Ordinal);
    }
}
