using System.Text;

namespace Privport.Tests.Policy;

/// <summary>One <c>[[allow]]</c> rule; a null list is a key the rule leaves out.</summary>
internal sealed record ModelRule(
    string Name,
    IReadOnlyList<ModelAccount>? Users,
    IReadOnlyList<ModelAccount>? Groups,
    IReadOnlyList<string>? Exe,
    IReadOnlyList<ModelPortRange> Ports,
    IReadOnlyList<string>? Addresses)
{
    public string ToToml()
    {
        var toml = new StringBuilder();
        toml.Append("[[allow]]\nname = \"").Append(Name).Append("\"\n");
        Key(toml, "users", Users?.Select(user => user.Toml));
        Key(toml, "groups", Groups?.Select(group => group.Toml));
        Key(toml, "exe", Exe?.Select(exe => $"\"{exe}\""));
        Key(toml, "ports", Ports.Select(range => range.Toml));
        Key(toml, "addresses", Addresses?.Select(address => $"\"{address}\""));
        return toml.ToString();
    }

    private static void Key(StringBuilder toml, string key, IEnumerable<string>? values)
    {
        if (values is not null)
        {
            toml.Append(key).Append(" = [").AppendJoin(", ", values).Append("]\n");
        }
    }
}
