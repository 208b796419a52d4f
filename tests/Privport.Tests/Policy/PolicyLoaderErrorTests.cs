using Privport.Policy;
using static Privport.Tests.Policy.TestPolicies;
using Privport.Config;

namespace Privport.Tests.Policy;

/// <summary>Every way a policy can be wrong is an error naming file, line and field, and saying what to write instead.</summary>
public sealed class PolicyLoaderErrorTests
{
    [Fact]
    public void Toml_syntax_error_is_reported_with_its_line()
    {
        var errors = Errors("""
            [[allow]]
            users = ["www-data"
            ports = ["tcp/80"]
            """);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("syntax", e.Field));
        Assert.Equal("policy.toml", Path.GetFileName(errors[0].File));
        Assert.Equal(3, errors[0].Line);
    }

    [Theory]
    [InlineData("users")]
    [InlineData("groups")]
    public void Account_name_holding_a_nul_is_an_error_rather_than_the_name_before_it(string field)
    {
        // TOML's \u0000 escape: the value is "www-data", NUL, "x".
        var error = SingleError($$"""
            [[allow]]
            {{field}} = ["www-data\u0000x"]
            ports = ["tcp/80"]
            """);
        Assert.Equal((field, 2), (error.Field, error.Line));
        Assert.Contains("holds a NUL character", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_given_twice_in_a_rule_is_an_error_at_the_second_one()
    {
        var error = SingleError("""
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            users = ["alice"]
            """);
        Assert.Equal(("users", 4), (error.Field, error.Line));
        Assert.Contains("given twice in this rule (first on line 2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_top_level_key_is_an_error_saying_keys_go_under_allow()
    {
        var error = SingleError("""
            users = ["www-data"]
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("users", 1), (error.Field, error.Line));
        Assert.Contains("[[allow]]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_with_single_brackets_is_an_error_asking_for_double_brackets()
    {
        var error = SingleError("""

            [allow]
            users = ["www-data"]
            ports = ["tcp/80"]
            """);
        Assert.Equal(("allow", 2), (error.Field, error.Line));
        Assert.Contains("[[allow]]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_with_single_brackets_beside_proper_rules_is_still_explained()
    {
        var error = SingleError("""
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]

            [allow]
            users = ["alice"]
            ports = ["tcp/81"]
            """);
        Assert.Equal(("allow", 5), (error.Field, error.Line));
        Assert.Contains("double brackets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_too_large_for_toml_is_a_syntax_error()
    {
        var error = SingleError("[[allow]]\nusers = [99999999999999999999]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("syntax", 2, 10), (error.Field, error.Line, error.Column));
    }

    [Theory]
    [InlineData("[deny]")]
    [InlineData("[[deny]]")]
    [InlineData("[[allow.extra]]")]
    public void Unknown_table_is_an_error(string header)
    {
        var error = SingleError($"{header}\nusers = [\"www-data\"]\n");
        Assert.Equal(1, error.Line);
        Assert.Contains("unknown table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_key_in_allow_lists_the_valid_keys()
    {
        var error = SingleError("""
            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            protocol = "tcp"
            """);
        Assert.Equal(("protocol", 4, 1), (error.Field, error.Line, error.Column));
        Assert.Contains("name, users, groups, units, cgroups, exe, ports, addresses", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user", "users")]
    [InlineData("port", "ports")]
    [InlineData("address", "addresses")]
    [InlineData("executable", "exe")]
    public void Unknown_key_that_looks_like_a_valid_one_suggests_it(string written, string meant)
    {
        var error = SingleError($"[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n{written} = [\"x\"]\n");
        Assert.Equal(written, error.Field);
        Assert.Contains($"did you mean '{meant}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dotted_key_in_allow_is_unknown()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\nusers2.x = 1\n");
        Assert.Equal(("users2.x", 4), (error.Field, error.Line));
    }

    [Fact]
    public void Quoted_keys_are_read_like_bare_keys()
    {
        var policy = Load("[[allow]]\n\"users\" = [\"www-data\"]\n'ports' = [\"tcp/80\"]\n");
        Assert.Single(policy.Rules);
    }

    [Theory]
    [InlineData("users = \"www-data\"", "users", "users = [\"www-data\"]")]
    [InlineData("groups = \"web\"", "groups", "groups = [\"web\"]")]
    [InlineData("exe = \"/usr/sbin/nginx\"", "exe", "exe = [\"/usr/sbin/nginx\"]")]
    [InlineData("addresses = \"127.0.0.1\"", "addresses", "addresses = [\"127.0.0.1\"]")]
    public void Single_string_instead_of_array_says_to_write_an_array(string line, string field, string fix)
    {
        string toml = field == "users"
            ? $"[[allow]]\n{line}\nports = [\"tcp/80\"]\n"
            : $"[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n{line}\n";
        var error = SingleError(toml);
        Assert.Equal(field, error.Field);
        Assert.Equal(field == "users" ? 2 : 4, error.Line);
        Assert.Contains("must be an array of", error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_as_a_string_says_to_write_an_array_of_strings()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nports = \"tcp/80\"\n");
        Assert.Equal(("ports", 3), (error.Field, error.Line));
        Assert.Contains("must be an array of strings; write ports = [\"tcp/80\"]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_port_is_not_a_string_and_points_at_the_item()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/443\", 80]\n");
        Assert.Equal(("ports", 3, 21), (error.Field, error.Line, error.Column));
        Assert.Contains("80 is not a string", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("users", "users = [\"*\"]")]
    [InlineData("groups", "remove the key")]
    [InlineData("exe", "remove the key")]
    [InlineData("ports", "tcp/80")]
    [InlineData("addresses", "remove the key")]
    public void Empty_array_is_an_error(string field, string advice)
    {
        string users = field is "users" or "groups" ? string.Empty : "users = [\"www-data\"]\n";
        string ports = field == "ports" ? string.Empty : "ports = [\"tcp/80\"]\n";
        string extra = field == "groups" ? "users = [\"www-data\"]\n" : string.Empty;
        var error = SingleError($"[[allow]]\n{users}{extra}{ports}{field} = []\n");
        Assert.Equal(field, error.Field);
        Assert.Contains("is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_port_is_an_error_naming_the_text()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\",\n  \"tcp/99999\"]\n");
        Assert.Equal(("ports", 4, 3), (error.Field, error.Line, error.Column));
        Assert.Contains("'tcp/99999'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_address_is_an_error_naming_the_text()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\naddresses = [\"localhost\"]\n");
        Assert.Equal(("addresses", 4), (error.Field, error.Line));
        Assert.Contains("'localhost'", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_user_is_an_error_naming_it()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\", \"wwwdata\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("users", 2, 22), (error.Field, error.Line, error.Column));
        Assert.Contains("unknown user 'wwwdata'", error.Message, StringComparison.Ordinal);
        Assert.Contains("numeric uid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_group_is_an_error_naming_it()
    {
        var error = SingleError("[[allow]]\ngroups = [\"webb\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("groups", 2), (error.Field, error.Line));
        Assert.Contains("unknown group 'webb'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("4294967295")]
    [InlineData("4294967296")]
    public void Integer_uid_outside_the_valid_range_is_an_error(string number)
    {
        var error = SingleError($"[[allow]]\nusers = [{number}]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("users", 2), (error.Field, error.Line));
        Assert.Contains("0 to 4294967294", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Boolean_user_is_neither_name_nor_uid()
    {
        var error = SingleError("[[allow]]\nusers = [true]\nports = [\"tcp/80\"]\n");
        Assert.Equal("users", error.Field);
        Assert.Contains("true is neither", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Star_in_groups_is_an_error_pointing_to_users()
    {
        var error = SingleError("[[allow]]\ngroups = [\"*\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal("groups", error.Field);
        Assert.Contains("users = [\"*\"]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("./nginx")]
    [InlineData("usr/sbin/nginx")]
    public void Relative_exe_is_an_error(string exe)
    {
        var error = SingleError($"[[allow]]\nusers = [\"www-data\"]\nexe = [\"{exe}\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("exe", 3), (error.Field, error.Line));
        Assert.Contains("not an absolute path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exe_naming_a_directory_is_an_error()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\nexe = [\"/usr\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal("exe", error.Field);
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_naming_neither_users_nor_groups_is_an_error_at_its_allow_line()
    {
        var error = SingleError("# web\n\n[[allow]]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("users", 3), (error.Field, error.Line));
        Assert.Contains("users = [\"*\"]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_without_ports_is_an_error_at_its_allow_line()
    {
        var error = SingleError("[[allow]]\nusers = [\"www-data\"]\n");
        Assert.Equal(("ports", 1), (error.Field, error.Line));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"web server\"")]
    [InlineData("\"web:80\"")]
    [InlineData("\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"")]
    public void Rule_name_must_be_short_and_plain(string name)
    {
        var error = SingleError($"[[allow]]\nname = {name}\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("name", 2), (error.Field, error.Line));
        Assert.Contains("not a valid rule name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_name_must_be_a_string()
    {
        var error = SingleError("[[allow]]\nname = 7\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n");
        Assert.Equal(("name", 2), (error.Field, error.Line));
        Assert.Contains("name = \"web\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_rule_name_is_an_error_naming_the_first_use()
    {
        var error = SingleError("""
            [[allow]]
            name = "web"
            users = ["www-data"]
            ports = ["tcp/80"]

            [[allow]]
            name = "web"
            users = ["alice"]
            ports = ["tcp/443"]
            """);
        Assert.Equal(("name", 7), (error.Field, error.Line));
        Assert.Contains("'web' is already used at ", error.Message, StringComparison.Ordinal);
        Assert.Contains("policy.toml:2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_collected_not_just_the_first()
    {
        var errors = Errors("""
            [[allow]]
            users = ["ghost"]
            ports = ["tcp/0"]

            [[allow]]
            users = ["www-data"]
            ports = ["tcp/80"]
            exe = ["nginx"]
            addresses = ["example.org"]
            colour = "blue"
            """);
        Assert.Equal(
            [("users", 2), ("ports", 3), ("exe", 8), ("addresses", 9), ("colour", 10)],
            errors.Select(e => (e.Field, e.Line)).ToArray());
    }

    [Fact]
    public void Error_prints_as_file_line_field_message()
    {
        var error = new ConfigError("/etc/privport/policy.toml", 3, 9, "users", "unknown user 'x'");
        Assert.Equal("/etc/privport/policy.toml:3: users: unknown user 'x'", error.ToString());
    }

    [Fact]
    public void Load_exception_message_names_the_first_error_and_counts_the_rest()
    {
        var exception = new PolicyLoadException([new("a.toml", 1, 1, "users", "bad"), new("a.toml", 2, 1, "ports", "bad")]);
        Assert.Equal("a.toml:1: users: bad (and 1 more)", exception.Message);
    }

    [Fact]
    public void Missing_policy_is_an_error_naming_the_path_and_how_to_create_it()
    {
        using var directory = new TempPolicyDirectory();
        string path = directory.PathOf("nothing-here.toml");
        var exception = Assert.Throws<PolicyLoadException>(() => PolicyLoader.Load(path, new FakeAccountDirectory()));
        var error = Assert.Single(exception.Errors);
        Assert.Equal((path, 0, "policy"), (error.File, error.Line, error.Field));
        Assert.Contains("[[allow]]", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: policy: no such file or directory", error.ToString(), StringComparison.Ordinal);
    }
}
