using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>Which files make up a policy, and in which order: systemd's drop-in convention.</summary>
public sealed class PolicyDropInTests
{
    private const string Rule = "[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n";

    [Fact]
    public void File_path_reads_the_file_then_sibling_policy_d_in_ordinal_name_order()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        foreach (string name in new[] { "a.toml", "B.toml", "2-dns.toml", "10-web.toml" })
        {
            directory.Write($"policy.d/{name}", Rule);
        }

        var policy = PolicyLoader.Load(main, new FakeAccountDirectory());

        Assert.Equal(
            ["policy.toml", "10-web.toml", "2-dns.toml", "B.toml", "a.toml"],
            policy.Files.Select(Path.GetFileName));
        Assert.Equal(
            ["policy.toml:1", "10-web.toml:1", "2-dns.toml:1", "B.toml:1", "a.toml:1"],
            policy.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Directory_path_reads_its_toml_files_then_its_policy_d()
    {
        using var directory = new TempPolicyDirectory();
        directory.Write("zz.toml", Rule);
        directory.Write("aa.toml", Rule);
        directory.Write("policy.d/00-first.toml", Rule);

        var policy = PolicyLoader.Load(directory.Root, new FakeAccountDirectory());

        Assert.Equal(["aa.toml", "zz.toml", "00-first.toml"], policy.Files.Select(Path.GetFileName));
    }

    [Fact]
    public void Files_not_ending_in_toml_are_ignored()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);
        directory.Write("policy.d/web.toml.disabled", "not toml at all [");
        directory.Write("policy.d/README", "not toml at all [");
        directory.Write("policy.d/web.toml~", "not toml at all [");

        var policy = PolicyLoader.Load(main, new FakeAccountDirectory());

        Assert.Equal(["policy.toml"], policy.Files.Select(Path.GetFileName));
    }

    [Fact]
    public void Policy_without_policy_d_is_just_the_file()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", Rule);

        Assert.Equal([main], PolicyLoader.Load(main, new FakeAccountDirectory()).Files);
    }

    [Fact]
    public void Drop_in_errors_name_the_drop_in_file_and_errors_of_all_files_are_collected()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", "[[allow]]\nusers = [\"ghost\"]\nports = [\"tcp/80\"]\n");
        string dropIn = directory.Write("policy.d/dns.toml", "\n[[allow]]\nusers = [\"alice\"]\nports = [\"udp/x\"]\n");

        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(main, new FakeAccountDirectory()));

        Assert.Equal([(main, 2, "users"), (dropIn, 4, "ports")], exception.Errors.Select(e => (e.File, e.Line, e.Field)));
    }

    [Fact]
    public void Rule_names_must_be_unique_across_files()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", "[[allow]]\nname = \"web\"\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        string dropIn = directory.Write("policy.d/web.toml", "[[allow]]\nname = \"web\"\nusers = [\"alice\"]\nports = [\"tcp/81\"]\n");

        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(main, new FakeAccountDirectory()));

        var error = Assert.Single(exception.Errors);
        Assert.Equal((dropIn, 2, "name"), (error.File, error.Line, error.Field));
        Assert.Contains($"{main}:2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_error_in_one_file_does_not_hide_errors_in_another()
    {
        using var directory = new TempPolicyDirectory();
        string main = directory.Write("policy.toml", "[[allow]\n");
        string dropIn = directory.Write("policy.d/web.toml", "[[allow]]\nusers = [\"www-data\"]\n");

        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(main, new FakeAccountDirectory()));

        Assert.Contains(exception.Errors, e => e.File == main && e.Field == "syntax");
        Assert.Contains(exception.Errors, e => e.File == dropIn && e.Field == "ports");
    }
}
