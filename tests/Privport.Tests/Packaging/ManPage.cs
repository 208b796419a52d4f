using System.Text.RegularExpressions;

namespace Privport.Tests.Packaging;

/// <summary>privport.8's roff source read as words: its sections, and the SYNOPSIS as one entry per command form.</summary>
public sealed partial class ManPage
{
    private readonly string[] _lines;

    private ManPage(string[] lines)
    {
        _lines = lines;
    }

    public static ManPage Privport() => new(File.ReadAllLines(Path.Combine(RepositoryFiles.Packaging, "man", "privport.8")));

    /// <summary>The lines of section <paramref name="name"/> (after <c>.SH NAME</c>, up to the next <c>.SH</c>).</summary>
    public IReadOnlyList<string> Section(string name)
    {
        int start = Array.IndexOf(_lines, $".SH {name}");
        Assert.True(start >= 0, $"privport.8 has no .SH {name}");
        return [.. _lines.Skip(start + 1).TakeWhile(line => !line.StartsWith(".SH ", StringComparison.Ordinal))];
    }

    /// <summary>
    /// The SYNOPSIS forms as plain words, split at <c>.br</c>; a form that does not start with "privport" (e.g.
    /// "where OPTIONS are ...") continues the one before it.
    /// </summary>
    public IReadOnlyList<string> SynopsisForms()
    {
        var forms = new List<string>();
        foreach (string block in string.Join('\n', Section("SYNOPSIS")).Split(".br"))
        {
            string words = Plain(block);
            if (words.Length == 0)
            {
                continue;
            }

            if (words.StartsWith("privport ", StringComparison.Ordinal) || forms.Count == 0)
            {
                forms.Add(words);
            }
            else
            {
                forms[^1] += " " + words;
            }
        }

        return forms;
    }

    /// <summary>The verbs COMMANDS describes: each <c>.B verb</c> line right after a <c>.TP</c>.</summary>
    public IReadOnlyList<string> DescribedCommands() => TaggedParagraphs("COMMANDS");

    /// <summary>Each <c>.TP</c> entry's tag in <paramref name="section"/>, as plain words.</summary>
    public IReadOnlyList<string> TaggedParagraphs(string section)
    {
        var lines = Section(section);
        return [.. lines.Select((line, index) => (line, index))
            .Where(entry => entry.index > 0 && lines[entry.index - 1] == ".TP")
            .Select(entry => Plain(entry.line))];
    }

    /// <summary>The body of the <c>.TP</c> entry tagged <paramref name="tag"/> in <paramref name="section"/>, as plain words.</summary>
    public string TaggedParagraph(string section, string tag)
    {
        var lines = Section(section);
        for (int index = 1; index < lines.Count; index++)
        {
            if (lines[index - 1] == ".TP" && Plain(lines[index]) == tag)
            {
                return Plain(string.Join('\n', lines.Skip(index + 1).TakeWhile(line => line != ".TP")));
            }
        }

        Assert.Fail($"privport.8's {section} has no entry '{tag}'");
        return "";
    }

    /// <summary>Roff to words: macro names, quotes and escapes gone, whitespace collapsed.</summary>
    public static string Plain(string roff)
    {
        string text = Macro().Replace(roff, "");
        text = text.Replace("\\-", "-", StringComparison.Ordinal).Replace("\\&", "", StringComparison.Ordinal)
            .Replace("\\c", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);
        return Spaces().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"(?m)^\.[A-Z]{1,2}\b ?")]
    private static partial Regex Macro();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
