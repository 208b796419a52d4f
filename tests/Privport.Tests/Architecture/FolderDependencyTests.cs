using Privport.Tests.Packaging;
using Xunit;

namespace Privport.Tests.Architecture;

/// <summary>
/// The folders of the executable depend one way (verbs → components → host facts and shared mechanisms → system calls),
/// and docs/architecture.md says exactly which uses which: the compiled assembly is compared with its table.
/// </summary>
public sealed class FolderDependencyTests
{
    /// <summary>
    /// What a verb may name from the system-call folder: the descriptors it holds and the errors system calls report,
    /// never a call.
    /// </summary>
    private static readonly HashSet<string> VerbInteropVocabulary = ["Privport.Interop.SafeFdHandle", "Privport.Interop.Errno", "Privport.Interop.SystemCallException"];

    private static readonly string AssemblyPath = typeof(Privport.Commands.ExitCodes).Assembly.Location;

    [Fact]
    public void The_document_lists_every_folder_of_the_executable_once()
    {
        var documented = ArchitectureDocument.Read().Rows.Select(row => row.Folder).ToList();
        var actual = FolderReferences.Folders(AssemblyPath);

        Assert.Equal(documented.Count, documented.Distinct().Count());
        Assert.True(actual.SetEquals(documented),
            $"docs/architecture.md lists {string.Join(", ", documented.Order())}; the executable has {string.Join(", ", actual.Order())}");
    }

    [Fact]
    public void Every_folder_uses_exactly_the_folders_the_document_names()
    {
        var document = ArchitectureDocument.Read().Rows.ToDictionary(row => row.Folder, row => row.Uses);
        var actual = FolderReferences.Read(AssemblyPath);
        var problems = new List<string>();
        foreach (var (from, targets) in actual)
        {
            var documented = document.GetValueOrDefault(from) ?? new HashSet<string>();
            problems.AddRange(targets.Where(target => !documented.Contains(target.Key))
                .Select(target => $"{from}/ uses {target.Key}/ ({target.Value}), which docs/architecture.md does not say"));
        }

        foreach (var (from, uses) in document)
        {
            var targets = actual.GetValueOrDefault(from);
            problems.AddRange(uses.Where(use => targets is null || !targets.ContainsKey(use))
                .Select(use => $"docs/architecture.md says {from}/ uses {use}/, but nothing in {from}/ does"));
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_documented_folders_only_use_folders_below_them()
    {
        var rows = ArchitectureDocument.Read().Rows;
        var position = rows.Select((row, index) => (row.Folder, index)).ToDictionary(x => x.Folder, x => x.index);
        var upward = rows
            .SelectMany(row => row.Uses.Where(use => !position.TryGetValue(use, out int at) || at <= position[row.Folder])
                .Select(use => $"{row.Folder}/ uses {use}/, which is not below it in the table"))
            .ToList();

        Assert.True(upward.Count == 0, string.Join('\n', upward));
    }

    [Fact]
    public void Verbs_make_no_system_call_themselves()
    {
        var named = FolderReferences.TypesUsedBy(AssemblyPath, "Commands")
            .Where(used => used.Key.StartsWith("Privport.Interop.", StringComparison.Ordinal) && !VerbInteropVocabulary.Contains(used.Key))
            .Select(used => $"{used.Key} (in {used.Value})")
            .ToList();

        Assert.True(named.Count == 0, $"Commands/ names {string.Join(", ", named)}; move the call into the component the verb drives");
    }

    [Fact]
    public void The_readme_layout_names_every_folder()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        string layout = readme[readme.IndexOf("## Layout", StringComparison.Ordinal)..];
        var missing = FolderReferences.Folders(AssemblyPath)
            .Where(folder => folder != FolderReferences.Common && !layout.Contains($"{folder}/", StringComparison.Ordinal))
            .ToList();

        Assert.True(missing.Count == 0, $"README's Layout section does not name {string.Join(", ", missing)}");
    }
}
