using Privport.Client;
using Privport.Doctor.Probes;
using Privport.Tests.Policy;

namespace Privport.Tests.Doctor;

/// <summary>The doctor reads the policy as the broker does, so a policy file others could change shows in its findings.</summary>
public sealed class DoctorPolicyIntegrityTests
{
    [Fact]
    public async Task A_world_writable_drop_in_is_what_the_doctor_says_about_the_policy()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        string dropIn = directory.Write("policy.d/grab.toml", "[[allow]]\nusers = [\"*\"]\nports = [\"tcp/1-1023\"]\n");
        File.SetUnixFileMode(dropIn, (UnixFileMode)0b110_110_110);
        var accounts = new FakeAccountDirectory();

        var facts = await BrokerFacts.ProbeAsync(
            directory.PathOf("no-broker.sock"), main, accounts, accounts.FindUser(FakeAccountDirectory.WwwData), null,
            Endpoint.Parse("tcp/0.0.0.0:80"), askAsCaller: false, TestContext.Current.CancellationToken);

        Assert.Null(facts.PolicyAllows);
        Assert.Contains("the policy does not load", facts.PolicyAnswer, StringComparison.Ordinal);
        Assert.Contains($"chmod go-w {dropIn}", facts.PolicyAnswer, StringComparison.Ordinal);
    }
}
