namespace Privport.Tests.Packaging;

/// <summary>
/// A unit or drop-in as the admin reads it: an <c>```ini</c> block of README.md or docs/*.md, or a
/// packaging/systemd/*.conf file. <see cref="Source"/> names where it is, for failure messages.
/// </summary>
public sealed record DocumentedDropIn(string Source, IReadOnlyList<string> Lines)
{
    public static IReadOnlyList<DocumentedDropIn> All()
    {
        var found = new List<DocumentedDropIn>();
        foreach (string document in Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "docs"), "*.md").Order(StringComparer.Ordinal).Prepend(Path.Combine(RepositoryFiles.Root, "README.md")))
        {
            string[] lines = File.ReadAllLines(document);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```ini")
                {
                    continue;
                }

                int start = i + 1;
                while (++i < lines.Length && lines[i].Trim() != "```")
                {
                }

                found.Add(new DocumentedDropIn($"{Path.GetRelativePath(RepositoryFiles.Root, document)}:{start}", lines[start..i]));
            }
        }

        foreach (string file in Directory.GetFiles(RepositoryFiles.UnitDirectory, "*.conf").Order(StringComparer.Ordinal))
        {
            found.Add(new DocumentedDropIn(Path.GetRelativePath(RepositoryFiles.Root, file), File.ReadAllLines(file)));
        }

        return found;
    }

    /// <summary>The documented drop-in whose ExecStart= runs <c>privport VERB</c>; exactly one is expected.</summary>
    public static DocumentedDropIn Running(string verb) => Assert.Single(All(), dropIn => dropIn.Runs(verb));

    /// <summary>Whether an ExecStart= line runs <c>privport VERB</c>.</summary>
    public bool Runs(string verb) => Values("ExecStart").Any(command => command.Contains($"privport {verb} ", StringComparison.Ordinal));

    /// <summary>Every value given to <paramref name="key"/>, in order (a drop-in may reset a list with an empty one).</summary>
    public IEnumerable<string> Values(string key) =>
        Lines.Select(line => line.Trim()).Where(line => line.StartsWith(key + "=", StringComparison.Ordinal)).Select(line => line[(key.Length + 1)..]);

    /// <summary>The capabilities a space-separated list setting names, as setpriv spells them: "+setuid,+setgid".</summary>
    public string CapabilitiesForSetpriv(string key) =>
        string.Join(',', Values(key).SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(name => "+" + name["CAP_".Length..].ToLowerInvariant()));
}
