using System.Text.RegularExpressions;

namespace Privport.Tests.Packaging;

/// <summary>A rendered man page as plain words: no terminal styling, overstrikes or justification spaces.</summary>
public static partial class RenderedText
{
    public static string Plain(string rendered)
    {
        string text = Styling().Replace(rendered, "");
        text = Overstrike().Replace(text, "");
        return Spaces().Replace(text.Replace('\u2010', '-'), " ");
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Styling();

    [GeneratedRegex(@".\x08")]
    private static partial Regex Overstrike();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
