using System.Collections.Immutable;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// Reads one policy file through Tomlyn's syntax tree (not its reflection-based serializer, which NativeAOT cannot
/// use), keeping each value's line so errors can point at it.
/// </summary>
internal sealed class PolicyFileParser
{
    private readonly string _file;
    private readonly ConfigDiagnostics _diagnostics;
    private readonly RuleParser _rules;

    /// <param name="ruleNames">Names already taken and where, shared by every file of one policy.</param>
    public PolicyFileParser(string file, IAccountDirectory accounts, ConfigDiagnostics diagnostics, Dictionary<string, string> ruleNames)
    {
        _file = file;
        _diagnostics = diagnostics;
        _rules = new RuleParser(file, accounts, diagnostics, ruleNames);
    }

    public void Parse(string text, ImmutableArray<PolicyRule>.Builder rules)
    {
        // Tomlyn's own validation would turn [allow] beside [[allow]], or a repeated key, into "already defined"
        // errors that hide which rule is wrong; RuleParser and the table checks below say it better.
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, _file, validate: false);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "utf32")
        {
            // Tomlyn's lexer throws, instead of reporting, when a string's backslash escape runs into the end of the
            // file: without this, a truncated policy would take the broker down on reload instead of being refused.
            _diagnostics.Error(_file, text.AsSpan().Count('\n') + 1, null, "syntax",
                "the file ends inside a string, right after a backslash; finish the string and close its quote");
            return;
        }

        if (TomlSyntaxError.First(document, _file) is { } syntax)
        {
            // After a syntax error the tree holds guesses; checking its fields would add errors that are not there.
            _diagnostics.Error(syntax);
            return;
        }

        foreach (var entry in document.KeyValues)
        {
            _diagnostics.Error(_file, entry, TomlKey.Text(entry.Key),
                "unknown top-level key; a policy holds only [[allow]] rules: put the key under an [[allow]] line");
        }

        foreach (var table in document.Tables)
        {
            string name = TomlKey.Text(table.Name);
            if (table is TableArraySyntax rule && name == "allow")
            {
                if (_rules.Read(rule) is { } parsed)
                {
                    rules.Add(parsed);
                }
            }
            else if (name == "allow")
            {
                _diagnostics.Error(_file, table, name, "write [[allow]] with double brackets: each rule is one entry of the allow array");
            }
            else
            {
                _diagnostics.Error(_file, table, name, $"unknown table '{name}'; a policy holds only [[allow]] rules");
            }
        }
    }
}
