using System.CommandLine;

namespace Privport.Commands;

internal static partial class CommandLine
{
    /// <summary>
    /// An option whose value is one of an enum's members, spelled in lower case: anything else is a usage error, and
    /// --help and the completion scripts list the values (System.CommandLine reads them from the option itself).
    /// </summary>
    internal static Option<string> ChoiceOption<T>(string name, string description, T? defaultValue = null, params T[] excluded)
        where T : struct, Enum
    {
        var option = new Option<string>(name) { Description = description };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => Spelling(value);
        }

        string[] values = [.. Enum.GetValues<T>().Where(member => Array.IndexOf(excluded, member) < 0).Select(Spelling)];
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (Array.IndexOf(values, token.Value) < 0)
                {
                    result.AddError($"{name} '{token.Value}' is not {Alternatives(values)}");
                }
            }
        });
        return option;
    }

    /// <summary>The member a <see cref="ChoiceOption{T}"/> was given; its validation has let only members' spellings through.</summary>
    internal static T Choice<T>(this ParseResult result, Option<string> option)
        where T : struct, Enum =>
        Enum.Parse<T>(result.GetValue(option)!, ignoreCase: true);

    // "v1 or v2", "query, open or bind".
    private static string Alternatives(string[] values) =>
        values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";

    private static string Spelling<T>(T member)
        where T : struct, Enum =>
        member.ToString().ToLowerInvariant();
}
