using Privport.Commands;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Policy;

/// <summary>
/// A policy naming an account with a NUL inside (<c>"nobody\u0000x"</c>), checked by the real binary against the
/// host's own name service: C reads the name only up to the NUL, so before, the rule named <c>nobody</c> and the policy
/// loaded, granting an account the text does not name. Now it is refused at its line.
/// </summary>
public sealed class PolicyNulAccountTests(StagedPrivport privport)
{
    [Theory]
    [InlineData("users", "nobody")]
    [InlineData("groups", "nogroup")]
    public async Task Policy_check_refuses_an_account_name_holding_a_nul(string field, string account)
    {
        string directory = Directory.CreateTempSubdirectory("privport-nul-").FullName;
        try
        {
            string file = Path.Combine(directory, "policy.toml");

            // TOML's \u0000 escape: the value is the account's name, a NUL, then "x".
            await File.WriteAllTextAsync(file, $$"""
                [[allow]]
                {{field}} = ["{{account}}\u0000x"]
                ports = ["tcp/80"]
                """, TestContext.Current.CancellationToken);

            var result = await Run.AsRootAsync(privport.Executable, "policy", "check", file);

            Assert.True(result.ExitCode == ExitCodes.Config, result.ToString());
            Assert.Contains($"{file}:2: {field}: ", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("holds a NUL character", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
