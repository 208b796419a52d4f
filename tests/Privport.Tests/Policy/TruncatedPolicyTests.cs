using static Privport.Tests.Policy.TestPolicies;

namespace Privport.Tests.Policy;

/// <summary>A policy cut off mid-write (an editor saving, a copy interrupted) is refused with an error, never a crash.</summary>
public sealed class TruncatedPolicyTests
{
    [Theory]
    [InlineData("[[allow]]\nname = \"web\\")]
    [InlineData("[[allow]]\n\"us\\")]
    public void A_file_ending_after_a_backslash_inside_a_string_is_a_syntax_error(string toml)
    {
        var error = SingleError(toml);

        Assert.Equal("syntax", error.Field);
        Assert.Equal(2, error.Line);
        Assert.Contains("ends inside a string", error.Message, StringComparison.Ordinal);
    }
}
