using System.Buffers.Binary;
using Privport.Doctor;
using Privport.Doctor.Causes;
using Privport.Doctor.Explain;
using Privport.Doctor.Probes;
using Privport.Policy;
using Privport.Tests.Policy;

namespace Privport.Tests.Doctor;

/// <summary>A statically linked program refused a privileged port on a host that can grant ports in the kernel.</summary>
public sealed class KernelGrantFixTests
{
    internal const string Message = "Error: loading initial config: loading new config: http app module: start: listening on :443: listen tcp :443: bind: permission denied";
    private static readonly UserAccount Caddy = new("caddy", 61470, 61470);

    [Fact]
    public async Task A_static_binary_is_offered_the_kernel_grant_first_with_the_exact_rule_and_unit_steps()
    {
        using var host = new FixtureHost();
        host.Write("/usr/bin/caddy", "");
        File.WriteAllBytes(host.Host.Path("/usr/bin/caddy"), Elf(interpreter: false));

        var diagnosis = await Diagnose(host, supported: true);

        var cause = diagnosis.Causes[0];
        Assert.Equal(CauseIds.PrivilegedPort, cause.Id);
        var fix = cause.Fixes[0];
        Assert.Contains("in the kernel to caddy.service", fix.Title, StringComparison.Ordinal);
        string policy = fix.Commands[0];
        Assert.Contains("units = [\"caddy.service\"]\n", policy, StringComparison.Ordinal);
        Assert.Contains("users = [\"caddy\"]\n", policy, StringComparison.Ordinal);
        Assert.Contains("ports = [\"tcp/443\"]\n", policy, StringComparison.Ordinal);
        Assert.StartsWith("mkdir -p /etc/privport/policy.d && cat > /etc/privport/policy.d/50-", policy, StringComparison.Ordinal);
        Assert.Equal("privport policy check", fix.Commands[1]);
        Assert.StartsWith("systemctl reload privport", fix.Commands[2], StringComparison.Ordinal);
        Assert.StartsWith("systemctl daemon-reload && systemctl restart caddy.service", fix.Commands[3], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ca\"d\\dy\n[[allow]]")]
    [InlineData("a-service-account-with-a-name-longer-than-the-sixty-four-characters-of-a-rule-name")]
    public async Task The_kernel_rule_loads_and_names_the_account_whatever_its_name(string name)
    {
        using var host = new FixtureHost();
        host.Write("/usr/bin/caddy", "");
        File.WriteAllBytes(host.Host.Path("/usr/bin/caddy"), Elf(interpreter: false));
        var account = new UserAccount(name, 61470, 61470);

        var diagnosis = await Diagnose(host, supported: true, account);

        string policy = PolicyText.HereDocument(diagnosis.Causes[0].Fixes[0].Commands[0]);
        var rule = PolicyText.Single(policy, new AnyAccountDirectory());
        Assert.Equal(account.Name, Assert.Single(rule.Users).Name);
        Assert.Equal("caddy.service", Assert.Single(rule.Units));
        Assert.Equal("tcp/443", Assert.Single(rule.Ports).ToString());
        Assert.EndsWith("-kernel", rule.Name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task No_kernel_grant_is_offered_to_a_dynamic_binary_or_on_a_host_without_support(bool interpreter, bool supported)
    {
        using var host = new FixtureHost();
        host.Write("/usr/bin/caddy", "");
        File.WriteAllBytes(host.Host.Path("/usr/bin/caddy"), Elf(interpreter));

        var diagnosis = await Diagnose(host, supported);

        Assert.DoesNotContain(diagnosis.Causes.SelectMany(c => c.Fixes), f => f.Title.Contains("in the kernel", StringComparison.Ordinal));
    }

    private static Task<Diagnosis> Diagnose(FixtureHost host, bool supported, UserAccount? account = null)
    {
        var facts = new KernelGrantFacts(supported, supported ? [] : ["cgroup v2 is not mounted"], 252);
        var environment = host.Environment() with { KernelGrantProbe = _ => facts };
        return new DiagnosisEngine(environment).DiagnoseAsync(
            new DoctorRequest(null, MessageExplainer.Explain(Message), account ?? Caddy, "/usr/bin/caddy"), TestContext.Current.CancellationToken);
    }

    /// <summary>The headers of an x86-64 ELF executable: one PT_LOAD, and a PT_INTERP when it is dynamically linked.</summary>
    internal static byte[] Elf(bool interpreter)
    {
        const int header = 64, entry = 56;
        int entries = interpreter ? 2 : 1;
        var bytes = new byte[header + (entries * entry)];
        "\u007fELF"u8.CopyTo(bytes);
        bytes[4] = 2;
        bytes[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), header);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(54), entry);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(56), (ushort)entries);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header), 1);
        if (interpreter)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(header + entry), 3);
        }

        return bytes;
    }
}
