using System.Collections.Immutable;
using Tomlyn.Syntax;
using Privport.HostFacts;

namespace Privport.Policy;

/// <summary>The array-valued fields: exe, ports, addresses, and the array shape every list field shares.</summary>
internal sealed partial class RuleParser
{
    private ImmutableArray<ExecutablePath> ReadExecutables(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<ExecutablePath>();
        foreach (var (text, at) in Strings(entry, "exe", "[\"/usr/sbin/nginx\"]",
            "is empty; list absolute paths, e.g. exe = [\"/usr/sbin/nginx\"], or remove the key to allow any program"))
        {
            if (!text.StartsWith('/'))
            {
                _diagnostics.Error(_file, at, "exe",
                    $"'{text}' is not an absolute path; write the full path, e.g. /usr/sbin/nginx (`command -v {text}` prints it)");
                continue;
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                _diagnostics.Error(_file, at, "exe", $"'{text.Replace("\0", "\\u0000", StringComparison.Ordinal)}' holds a NUL character (\\u0000), which no path can; name the program's real path");
                continue;
            }

            string? resolved = RealPath.Resolve(text);
            if (resolved is null)
            {
                _diagnostics.Error(_file, at, "exe", $"'{text}': too many levels of symbolic links; name the program's real path");
                continue;
            }

            if (Directory.Exists(resolved))
            {
                _diagnostics.Error(_file, at, "exe", $"'{text}' is a directory; name the program's file, e.g. /usr/sbin/nginx");
                continue;
            }

            if (!File.Exists(resolved))
            {
                _diagnostics.Warning(_file, at, "exe", $"'{text}' does not exist (yet); the rule matches once a program runs from there");
            }

            builder.Add(new ExecutablePath(text, resolved));
        }

        return builder.ToImmutable();
    }

    private ImmutableArray<PortRange> ReadPorts(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<PortRange>();
        foreach (var (text, at) in Strings(entry, "ports", "[\"tcp/80\"]", "is empty; list at least one port, e.g. ports = [\"tcp/80\", \"tcp/8000-8099\"]"))
        {
            if (PortRange.TryParse(text, out var range, out string? error))
            {
                builder.Add(range);
            }
            else
            {
                _diagnostics.Error(_file, at, "ports", error);
            }
        }

        return builder.ToImmutable();
    }

    private ImmutableArray<AddressPattern> ReadAddresses(KeyValueSyntax entry)
    {
        var builder = ImmutableArray.CreateBuilder<AddressPattern>();
        foreach (var (text, at) in Strings(entry, "addresses", "[\"127.0.0.1\", \"::1\"]",
            "is empty; list addresses, e.g. addresses = [\"127.0.0.1\", \"::1\"], or remove the key to allow any address"))
        {
            if (AddressPattern.TryParse(text, out var pattern, out string? error))
            {
                builder.Add(pattern);
            }
            else
            {
                _diagnostics.Error(_file, at, "addresses", error);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>The string items of an array field; anything else is reported and skipped.</summary>
    private List<(string Text, SyntaxNodeBase At)> Strings(KeyValueSyntax entry, string field, string example, string whenEmpty)
    {
        var strings = new List<(string, SyntaxNodeBase)>();
        foreach (var item in Items(entry, field, "strings", example, whenEmpty))
        {
            if (item is StringValueSyntax { Value: { } text })
            {
                strings.Add((text, item));
            }
            else
            {
                _diagnostics.Error(_file, item, field, $"must be an array of strings; {Describe(item)} is not a string, e.g. {field} = {example}");
            }
        }

        return strings;
    }

    private List<ValueSyntax> Items(KeyValueSyntax entry, string field, string itemKind, string example, string whenEmpty)
    {
        var items = new List<ValueSyntax>();
        if (entry.Value is not ArraySyntax array)
        {
            string fix = entry.Value is StringValueSyntax { Value: { } single }
                ? $"write {field} = [\"{single}\"]"
                : $"e.g. {field} = {example}";
            _diagnostics.Error(_file, entry.Value ?? (SyntaxNodeBase)entry, field, $"must be an array of {itemKind}; {fix}");
            return items;
        }

        if (array.Items is { } arrayItems)
        {
            foreach (var item in arrayItems)
            {
                if (item.Value is { } value)
                {
                    items.Add(value);
                }
            }
        }

        if (items.Count == 0)
        {
            _diagnostics.Error(_file, array, field, whenEmpty);
        }

        return items;
    }

    private static string Describe(ValueSyntax value) => value.ToString()?.Trim() ?? value.Kind.ToString();
}
