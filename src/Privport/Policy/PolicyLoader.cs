using System.Collections.Immutable;

namespace Privport.Policy;

/// <summary>
/// Finds and parses a policy: a file plus the <c>policy.d/*.toml</c> beside it, or a directory's <c>*.toml</c>
/// plus its <c>policy.d/*.toml</c>, each set in ordinal name order as systemd reads drop-ins.
/// </summary>
internal static class PolicyLoader
{
    public const string DefaultPath = "/etc/privport/policy.toml";

    public const string DropInDirectory = "policy.d";

    /// <summary>The whole policy, or <see cref="PolicyLoadException"/> listing every error of every file.</summary>
    public static PortPolicy Load(string path, IAccountDirectory accounts)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(accounts);
        var diagnostics = new PolicyDiagnostics();
        var files = FindFiles(path, diagnostics);
        var rules = ImmutableArray.CreateBuilder<PolicyRule>();
        var ruleNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            if (Read(file, diagnostics) is { } text)
            {
                new PolicyFileParser(file, accounts, diagnostics, ruleNames).Parse(text, rules);
            }
        }

        if (diagnostics.ErrorCount > 0)
        {
            throw new PolicyLoadException(diagnostics.Errors);
        }

        return new PortPolicy(rules.ToImmutable(), files, diagnostics.Warnings, accounts);
    }

    private static ImmutableArray<string> FindFiles(string path, PolicyDiagnostics diagnostics)
    {
        var files = ImmutableArray.CreateBuilder<string>();
        string directory;
        if (File.Exists(path))
        {
            files.Add(path);
            directory = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : ".";
        }
        else if (Directory.Exists(path))
        {
            AddTomlFiles(path, files, diagnostics);
            directory = path;
        }
        else
        {
            diagnostics.Error(path, 0, null, "policy",
                "no such file or directory; create it with a rule such as: [[allow]] users = [\"www-data\"] ports = [\"tcp/80\"] "
                + "(one key per line; an empty file denies everything), or pass --policy PATH");
            return files.ToImmutable();
        }

        string dropIns = Path.Combine(directory, DropInDirectory);
        if (Directory.Exists(dropIns))
        {
            AddTomlFiles(dropIns, files, diagnostics);
        }

        return files.ToImmutable();
    }

    private static void AddTomlFiles(string directory, ImmutableArray<string>.Builder files, PolicyDiagnostics diagnostics)
    {
        try
        {
            var found = Directory.GetFiles(directory, "*.toml");
            Array.Sort(found, StringComparer.Ordinal);
            files.AddRange(found);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(directory, 0, null, "policy", $"cannot list the directory: {e.Message}");
        }
    }

    private static string? Read(string file, PolicyDiagnostics diagnostics)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(file, 0, null, "policy", $"cannot read the file: {e.Message}");
            return null;
        }
    }
}
