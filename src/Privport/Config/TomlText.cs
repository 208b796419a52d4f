using System.Globalization;
using System.Text;

namespace Privport.Config;

/// <summary>
/// Values and comments written into TOML files so that any TOML reader gets back exactly the text given, and a person
/// reading the file sees every character that matters: invisible and direction-changing characters are escaped too.
/// </summary>
internal static class TomlText
{
    /// <summary>
    /// <paramref name="value"/> as a TOML basic string, quotes included. A lone UTF-16 surrogate has no TOML (or
    /// UTF-8) form, and writing a substitute would name something else, so it is refused.
    /// </summary>
    public static string BasicString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length + 2);
        text.Append('"');
        AppendEscaped(text, value, quoteAndBackslash: true, strict: true);
        return text.Append('"').ToString();
    }

    /// <summary>A one-line TOML array of basic strings: <c>["a", "b"]</c>.</summary>
    public static string StringArray(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var text = new StringBuilder("[");
        foreach (string value in values)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(BasicString(value));
        }

        return text.Append(']').ToString();
    }

    /// <summary>
    /// <paramref name="comment"/> as TOML comment lines, each starting with <c>#</c> and ending with a newline: one
    /// per line of the text, never one that a reader takes for a key or a table. Characters a comment may not hold
    /// are shown as escapes.
    /// </summary>
    public static string Comment(string comment)
    {
        ArgumentNullException.ThrowIfNull(comment);
        var text = new StringBuilder();
        foreach (string line in comment.Split('\n'))
        {
            text.Append('#');
            if (line.Length > 0)
            {
                text.Append(' ');
                AppendEscaped(text, line, quoteAndBackslash: false, strict: false);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static void AppendEscaped(StringBuilder text, string value, bool quoteAndBackslash, bool strict)
    {
        int index = 0;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out int length) != System.Buffers.OperationStatus.Done)
            {
                if (strict)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"the text has a lone UTF-16 surrogate at index {index}, which no TOML file can hold"),
                        nameof(value));
                }

                Escape(text, value[index]);
                index++;
                continue;
            }

            index += length;
            switch (rune.Value)
            {
                case '"' or '\\' when quoteAndBackslash:
                    text.Append('\\').Append((char)rune.Value);
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                default:
                    if (NeedsEscape(rune))
                    {
                        Escape(text, rune.Value);
                    }
                    else
                    {
                        text.Append(value, index - length, length);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Control characters (TOML forbids them raw) and those that hide or reorder text on screen: format characters
    /// such as U+202E RIGHT-TO-LEFT OVERRIDE, line and paragraph separators, spaces other than the plain one, and
    /// code points not yet assigned. Also U+FFFD, which reads as a decoding error to a person and to Tomlyn alike
    /// (a raw one fails to parse); escaped, it is the character the value really holds.
    /// </summary>
    private static bool NeedsEscape(Rune rune) => rune.Value == 0xFFFD || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => true,
        UnicodeCategory.SpaceSeparator => rune.Value != ' ',
        _ => false,
    };

    private static void Escape(StringBuilder text, int codePoint) =>
        text.Append(codePoint <= 0xFFFF
            ? string.Create(CultureInfo.InvariantCulture, $"\\u{codePoint:X4}")
            : string.Create(CultureInfo.InvariantCulture, $"\\U{codePoint:X8}"));
}
