using Privport.Doctor;
using Privport.Doctor.Explain;
using Privport.Forwarding;
using Privport.Policy;
using Privport.Tests.Policy;

namespace Privport.Tests.Doctor;

/// <summary>The configuration files the doctor's fixes write load as written, naming the account and program given.</summary>
public sealed class FixConfigTextTests
{
    [Fact]
    public async Task The_policy_and_forward_fixes_name_the_account_and_program_whatever_their_names_hold()
    {
        using var host = new FixtureHost();
        const string executable = "/opt/we\"b\\app\n[[allow]]/server";
        host.Write(executable, "");
        File.WriteAllBytes(host.Host.Path(executable), KernelGrantFixTests.Elf(interpreter: true));
        var account = new UserAccount("we\"b\\user\n[[forward]]", 61470, 61470);
        var environment = host.Environment() with { Verbs = new HashSet<string>(["forward"], StringComparer.Ordinal) };

        var diagnosis = await new DiagnosisEngine(environment).DiagnoseAsync(
            new DoctorRequest(null, MessageExplainer.Explain(KernelGrantFixTests.Message), account, executable), TestContext.Current.CancellationToken);

        var fixes = diagnosis.Causes.SelectMany(cause => cause.Fixes).ToList();
        var policyFix = fixes.Single(fix => fix.Title.Contains("through the privport broker (a policy rule", StringComparison.Ordinal));
        var rule = PolicyText.Single(PolicyText.HereDocument(policyFix.Commands[0]), new AnyAccountDirectory());
        Assert.Equal(account.Name, Assert.Single(rule.Users).Name);
        Assert.Equal(executable, Assert.Single(rule.Executables).Written);

        var forwardFix = fixes.Single(fix => fix.Title.StartsWith("Let privport forward", StringComparison.Ordinal));
        var parser = new ForwardConfigParser("port-443.toml");
        var settings = parser.Parse(PolicyText.HereDocument(forwardFix.Commands[0]));
        Assert.True(parser.Errors.Count == 0, string.Join("\n", parser.Errors));
        Assert.Equal(account.Name, settings!.User);
    }
}
