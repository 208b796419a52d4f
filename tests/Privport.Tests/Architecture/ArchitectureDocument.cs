using System.Text.RegularExpressions;
using Privport.Tests.Packaging;

namespace Privport.Tests.Architecture;

/// <summary>
/// The folder table of docs/architecture.md: one row per folder of the executable, from the verbs at the top to the
/// system calls at the bottom, each naming the folders it uses.
/// </summary>
internal sealed partial class ArchitectureDocument
{
    public static string PathOf => Path.Combine(RepositoryFiles.Root, "docs", "architecture.md");

    private ArchitectureDocument(IReadOnlyList<(string Folder, IReadOnlySet<string> Uses)> rows) => Rows = rows;

    /// <summary>Top to bottom, as written.</summary>
    public IReadOnlyList<(string Folder, IReadOnlySet<string> Uses)> Rows { get; }

    public static ArchitectureDocument Read()
    {
        var rows = new List<(string, IReadOnlySet<string>)>();
        foreach (string line in File.ReadLines(PathOf))
        {
            if (Row().Match(line) is { Success: true } row)
            {
                var uses = Folder().Matches(row.Groups["uses"].Value).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                rows.Add((row.Groups["folder"].Value, uses));
            }
        }

        return new ArchitectureDocument(rows);
    }

    /// <summary><c>| `Broker/` | what | `Policy/`, `Kernel/` |</c>: the folder in the first cell, the ones it uses in the last.</summary>
    [GeneratedRegex(@"^\|\s*`(?<folder>\w+)/`\s*\|[^|]*\|(?<uses>[^|]*)\|\s*$")]
    private static partial Regex Row();

    [GeneratedRegex(@"`(\w+)/`")]
    private static partial Regex Folder();
}
