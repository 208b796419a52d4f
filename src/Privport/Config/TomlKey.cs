using Tomlyn.Syntax;

namespace Privport.Config;

/// <summary>The text of a TOML key as a reader means it: quotes removed, dotted parts joined with '.'.</summary>
internal static class TomlKey
{
    public static string Text(KeySyntax? key)
    {
        if (key is null)
        {
            return string.Empty;
        }

        string text = Part(key.Key);
        if (key.DotKeys is { } dotKeys)
        {
            foreach (var item in dotKeys)
            {
                text += "." + Part(item.Key);
            }
        }

        return text;
    }

    private static string Part(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? string.Empty,
        StringValueSyntax quoted => quoted.Value ?? string.Empty,
        _ => string.Empty,
    };
}
