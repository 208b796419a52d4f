using System.Globalization;
using Tomlyn.Syntax;

namespace Privport.Config;

/// <summary>
/// The one syntax error worth reporting in a TOML file: the first by position. Tomlyn goes on parsing after a
/// mistake, so one missing quote or bracket also yields errors for the text after it that are not there; and it lists
/// the lexer's errors (an unclosed string) after the parser's, so the first in its list is not the first in the file.
/// </summary>
internal static class TomlSyntaxError
{
    /// <summary>The first error of <paramref name="document"/>, with what to write; null when it has none.</summary>
    public static ConfigError? First(DocumentSyntax document, string file)
    {
        DiagnosticMessage? first = null;
        foreach (var diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error && (first is null || Before(diagnostic, first)))
            {
                first = diagnostic;
            }
        }

        if (first is null)
        {
            return null;
        }

        int line = first.Span.Start.Line + 1;
        int column = first.Span.Start.Column + 1;
        string at = string.Create(CultureInfo.InvariantCulture, $"column {column}");
        return new ConfigError(file, line, column, "syntax", $"{first.Message.TrimEnd('.')} ({at}); {WhatToDo(first.Message)}");
    }

    private static bool Before(DiagnosticMessage a, DiagnosticMessage b) =>
        a.Span.Start.Line < b.Span.Start.Line || (a.Span.Start.Line == b.Span.Start.Line && a.Span.Start.Column < b.Span.Start.Column);

    private static string WhatToDo(string message) =>
        Has(message, "newline in a string") || Has(message, "End-Of-File found on string")
            ? "a string is not closed on its line: end it with the same quote it starts with"
        : Has(message, "closing `]` for an array")
            ? "an array opened above is not closed: end it with ] (its items separated by commas) before this line"
        : Has(message, "Missing a `,`")
            ? "separate the array's items with commas: [\"a\", \"b\"]"
        : Has(message, "Expecting `=` after a key")
            ? "write each setting as key = value"
        : Has(message, "`]]`")
            ? "close the table line with double brackets: [[allow]]"
        : "fix this first and check again: errors after it in the file often follow from it";

    private static bool Has(string message, string part) => message.Contains(part, StringComparison.Ordinal);
}
