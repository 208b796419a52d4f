using System.Text;
using CsCheck;
using Privport.Config;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>
/// Whatever a rule's values hold, the rule <see cref="AllowRuleWriter"/> writes is read back by privport's own policy
/// parser as exactly one rule with exactly those values: no quote, backslash, newline, control character, <c>]]</c> or
/// <c>#</c> ends a string early or adds a key or a rule.
/// </summary>
public sealed class AllowRuleWriterTests
{
    private static readonly Gen<string> Piece = Gen.OneOf(
        Gen.OneOf("\"", "\\", "\n", "\r\n", "\r", "\t", "\0", "\b", "\f", "\u001b", "\u001f", "\u007f", "\u0085", "#", "]]", "[[allow]]", "=",
            "'", "'''", "\"\"\"", "\\u0041", "\\n", "\\", "\\\\\"", "\nusers = [\"*\"]\n", "\u2028", "\u2029", "\u202e", "\u200b", "\u00a0", "\ufeff",
            "\uffff", "\ufffe", "\ufffd", "\ue000", "😀", "\U0010FFFF", "é", "ß", "日本", " ", "a", "/", "."),
        Gen.Int[0, 0x10FFFF].Where(codePoint => codePoint is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32));

    /// <summary>Short hostile strings, and now and then one of several thousand characters.</summary>
    private static readonly Gen<string> Hostile = Gen.Frequency(
        (9, Piece.Array[0, 12].Select(string.Concat)),
        (1, Gen.Select(Piece.Array[1, 4].Select(string.Concat), Gen.Int[500, 3000], (piece, times) => string.Concat(Enumerable.Repeat(piece, times)))));

    /// <summary>Any UTF-16 text at all, lone surrogates included: a comment only has to stay a comment.</summary>
    private static readonly Gen<string> CommentText = Gen.Frequency(
        (3, Hostile),
        (1, Gen.Char.Array[0, 40].Select(chars => new string(chars))));

    // No name service can hold a NUL in a name, and the policy refuses one (PolicyLoaderErrorTests).
    private static readonly Gen<string> Account = Hostile.Where(text => text != "*" && !text.Contains('\0', StringComparison.Ordinal));

    // A fixed last component no file has, so no generated path can name an existing directory.
    private static readonly Gen<string> Executable = Hostile.Where(text => !text.Contains('\0', StringComparison.Ordinal))
        .Select(text => $"/nonexistent-privport/{text}/x-privport-exe");

    private static readonly Gen<string> PlainName = Gen.Char["abcXYZ019._-"].Array[1, 64].Select(chars => new string(chars));

    private static readonly Gen<string> Ports = Gen.Select(Gen.OneOf("tcp", "udp"), Gen.Int[1, 65535], Gen.Int[0, 2000],
        (protocol, first, width) => width == 0 || first + width > 65535 ? $"{protocol}/{first}" : $"{protocol}/{first}-{first + width}");

    private static readonly Gen<string> Address = Gen.OneOf("127.0.0.1", "0.0.0.0", "::", "::1", "10.0.0.0/8", "fd00::/8", "192.0.2.10", "::ffff:127.0.0.1");

    // systemd-escape's output (\x2d and the like) keeps backslashes in unit names.
    private static readonly Gen<string> Unit = Gen.Select(
        Gen.Char["abz09:-_.\\"].Array[1, 20], Gen.Char["abz09:-_.\\"].Array[0, 10], Gen.Bool, Gen.OneOf(".service", ".scope", ".slice"),
        (name, instance, template, suffix) => new string(name) + (template && instance.Length > 0 ? "@" + new string(instance) : "") + suffix);

    // Plain directory names: no slash, no control character, not . or .., at most NAME_MAX.
    private static readonly Gen<string> CgroupComponent = Hostile
        .Select(text => new string([.. text.Where(c => c != '/' && !char.IsControl(c))]))
        .Select(text => text.Length > 255 ? text[..255].TrimEnd((char)0xD83D) : text)
        .Where(text => text.Length > 0 && text is not ("." or "..") && !char.IsHighSurrogate(text[^1]));

    private static readonly Gen<AllowRuleFields> BrokerRule = Gen.Select(
        Gen.Select(PlainName.Null(), CommentText.Array[0, 3], Account.Array[0, 3], Account.Array[0, 3]),
        Gen.Select(Executable.Array[0, 2], Ports.Array[1, 3], Address.Array[0, 3], Gen.Bool, Gen.Bool),
        (a, b) => new AllowRuleFields
        {
            Name = a.Item1,
            Comments = a.Item2,
            Users = a.Item3.Length == 0 && a.Item4.Length == 0 ? ["www-data"] : a.Item3,
            Groups = a.Item4,
            Exe = b.Item1,
            Ports = b.Item2,
            Addresses = b.Item3,
            ReusePort = b.Item4,
            AnyNetworkNamespace = b.Item5,
        });

    private static readonly Gen<AllowRuleFields> KernelRule = Gen.Select(
        Gen.Select(PlainName.Null(), CommentText.Array[0, 3], Unit.Array[0, 2], Gen.Select(CgroupComponent.Array[1, 3], path => "/" + string.Join('/', path)).Array[0, 2]),
        Gen.Select(Account.Array[0, 3], Gen.Bool, Ports.Array[1, 3], Address.Array[0, 3]),
        (a, b) => new AllowRuleFields
        {
            Name = a.Item1,
            Comments = a.Item2,
            Units = a.Item3.Length == 0 && a.Item4.Length == 0 ? ["caddy.service"] : a.Item3,
            Cgroups = a.Item4,
            Users = b.Item2 ? b.Item1 : [],
            Groups = b.Item2 ? [] : b.Item1,
            Ports = b.Item3,
            Addresses = b.Item4,
        });

    [Fact]
    public void Every_rule_written_reads_back_with_the_very_values_written()
    {
        Gen.OneOf(BrokerRule, KernelRule).Sample(rule =>
        {
            string toml = AllowRuleWriter.Write(rule);
            var read = PolicyText.Single(toml, new AnyAccountDirectory());

            Assert.Equal(rule.Name, read.Name);
            Assert.Equal(rule.Units, read.Units);
            Assert.Equal(rule.Cgroups, read.Cgroups);
            Assert.Equal(rule.Users.Select(Expected), read.Users);
            Assert.Equal(rule.Groups.Select(Expected), read.Groups);
            Assert.Equal(rule.Exe, read.Executables.Select(exe => exe.Written));
            Assert.Equal(rule.Ports, read.Ports.Select(range => range.ToString()));
            Assert.Equal(rule.Addresses, read.Addresses.Select(address => address.Text));
            Assert.Equal(rule.ReusePort, read.ReusePort);
            Assert.Equal(rule.AnyNetworkNamespace, read.AnyNetworkNamespace);
        }, iter: 2000, print: Describe);
    }

    [Fact]
    public void Two_rules_written_one_after_the_other_stay_two_rules()
    {
        Gen.Select(BrokerRule, KernelRule).Sample((first, second) =>
        {
            string toml = AllowRuleWriter.Write(first with { Name = "first" }) + "\n" + AllowRuleWriter.Write(second with { Name = "second" });
            var (rules, errors) = PolicyText.Parse(toml, new AnyAccountDirectory());

            Assert.Empty(errors);
            Assert.Equal(["first", "second"], rules.Select(rule => rule.Name));
        }, iter: 300, print: pair => Describe(pair.Item1) + "\n" + Describe(pair.Item2));
    }

    [Fact]
    public void Comments_are_comment_lines_however_many_lines_they_hold()
    {
        string toml = AllowRuleWriter.Write(new AllowRuleFields
        {
            Comments = ["first\n[[allow]]\nusers = [\"*\"]", "", "tab\there, escape \u001b[2J, override \u202e"],
            Users = ["www-data"],
            Ports = ["tcp/80"],
        });

        Assert.Equal(
            "# first\n# [[allow]]\n# users = [\"*\"]\n#\n# tab\\there, escape \\u001B[2J, override \\u202E\n[[allow]]\nusers = [\"www-data\"]\nports = [\"tcp/80\"]\n",
            toml);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\b\t\n\f\r", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\0\u001f\u007f\u0085", "\"\\u0000\\u001F\\u007F\\u0085\"")]
    [InlineData("\u202e\u200b\u2028\u00a0", "\"\\u202E\\u200B\\u2028\\u00A0\"")]
    [InlineData("é😀", "\"é😀\"")]
    [InlineData("\U000E0001", "\"\\U000E0001\"")]
    [InlineData("\uFFFD", "\"\\uFFFD\"")]
    public void Strings_show_every_character_that_matters(string value, string written)
    {
        Assert.Equal(written, TomlText.BasicString(value));
    }

    [Fact]
    public void A_lone_surrogate_is_refused_rather_than_written_as_something_else()
    {
        foreach (string value in new[] { "\ud800", "a\udc00b", "x\ud83d" })
        {
            var error = Assert.Throws<ArgumentException>(() => TomlText.BasicString(value));
            Assert.Contains("lone UTF-16 surrogate", error.Message, StringComparison.Ordinal);
        }
    }

    private static AccountId Expected(string account) =>
        AccountId.TryParseNumber(account, out uint id) ? new AccountId(id, null) : new AccountId(AnyAccountDirectory.Id, account);

    private static string Describe(AllowRuleFields rule)
    {
        var text = new StringBuilder();
        foreach (var (key, values) in new[]
        {
            ("comments", rule.Comments), ("units", rule.Units), ("cgroups", rule.Cgroups), ("users", rule.Users), ("groups", rule.Groups),
            ("exe", rule.Exe), ("ports", rule.Ports), ("addresses", rule.Addresses),
        })
        {
            text.Append(key).Append(": ").AppendJoin(", ", values.Select(value => Escaped(value))).Append('\n');
        }

        return text.Append($"name: {rule.Name}, reuseport: {rule.ReusePort}, any_network_namespace: {rule.AnyNetworkNamespace}").ToString();
    }

    /// <summary>A value with every non-ASCII or control character as \uXXXX, so a failing sample can be read and copied.</summary>
    private static string Escaped(string value)
    {
        var text = new StringBuilder("\"");
        foreach (char c in value.Length > 200 ? value[..200] + "…" : value)
        {
            text.Append(c is >= ' ' and < '\u007f' and not ('"' or '\\') ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return text.Append('"').ToString();
    }
}
