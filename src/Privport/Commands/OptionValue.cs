using System.CommandLine;
using System.CommandLine.Completions;

namespace Privport.Commands;

/// <summary>
/// What an option's value is, read from the option as declared: a file system path (help name PATH or FILE), a
/// directory (DIR), or one of a closed set (the values it accepts only). The completion scripts and the man page
/// test read the command tree through this, so a new option is completed as declared without a hand list.
/// </summary>
internal static class OptionValue
{
    public const string PathName = "PATH";
    public const string FileName = "FILE";
    public const string DirectoryName = "DIR";

    public static bool IsPath(Option option) => option.HelpName is PathName or FileName;

    public static bool IsDirectory(Option option) => option.HelpName is DirectoryName;

    /// <summary>The values a closed-set option accepts, in declaration order; empty for any other option.</summary>
    public static IReadOnlyList<string> Choices(Option option) =>
        option.ValueType == typeof(bool)
            ? []
            : [.. option.GetCompletions(CompletionContext.Empty).Select(item => item.Label)];

    /// <summary>The spellings users type on Linux: not "/h", "/?" or "-?".</summary>
    public static IEnumerable<string> Spellings(Option option) =>
        option.Aliases.Prepend(option.Name)
            .Where(name => name.StartsWith("--", StringComparison.Ordinal) || (name.Length == 2 && name[0] == '-' && char.IsAsciiLetter(name[1])))
            .Distinct(StringComparer.Ordinal);
}
