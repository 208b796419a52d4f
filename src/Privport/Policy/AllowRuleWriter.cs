using System.Text;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// The one way privport writes policy rules (the doctor's fixes, <c>policy import-authbind</c>, the demo): every value
/// is a TOML basic string escaped by <see cref="TomlText"/>, so a path or account name holding quotes, backslashes or
/// newlines is read back as itself and can never add a key or a rule.
/// </summary>
internal static class AllowRuleWriter
{
    public static string Write(AllowRuleFields rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var text = new StringBuilder();
        foreach (string comment in rule.Comments)
        {
            text.Append(TomlText.Comment(comment));
        }

        text.Append("[[allow]]\n");
        if (rule.Name is { } name)
        {
            text.Append("name = ").Append(TomlText.BasicString(name)).Append('\n');
        }

        List(text, "units", rule.Units);
        List(text, "cgroups", rule.Cgroups);
        List(text, "users", rule.Users);
        List(text, "groups", rule.Groups);
        List(text, "exe", rule.Exe);
        List(text, "ports", rule.Ports);
        List(text, "addresses", rule.Addresses);
        if (rule.ReusePort)
        {
            text.Append("reuseport = true\n");
        }

        if (rule.AnyNetworkNamespace)
        {
            text.Append("any_network_namespace = true\n");
        }

        return text.ToString();
    }

    private static void List(StringBuilder text, string key, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            text.Append(key).Append(" = ").Append(TomlText.StringArray(values)).Append('\n');
        }
    }
}
