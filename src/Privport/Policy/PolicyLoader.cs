using System.Collections.Immutable;
using Privport.HostFacts;
using Privport.Config;

namespace Privport.Policy;

/// <summary>
/// Finds and parses a policy: a file plus the <c>policy.d/*.toml</c> beside it, or a directory's <c>*.toml</c>
/// plus its <c>policy.d/*.toml</c>, each set in ordinal name order as systemd reads drop-ins. Every file and
/// directory must pass <see cref="PolicyPathCheck"/>: one that another user could change is an error, not a policy.
/// </summary>
internal static class PolicyLoader
{
    public const string DefaultPath = "/etc/privport/policy.toml";

    public const string DropInDirectory = "policy.d";

    /// <summary>The whole policy, or <see cref="PolicyLoadException"/> listing every error of every file.</summary>
    public static PortPolicy Load(string path, IAccountDirectory accounts) => Load(path, accounts, PolicyPathCheck.ForThisProcess());

    /// <summary>The whole policy, trusting the files <paramref name="check"/> trusts.</summary>
    public static PortPolicy Load(string path, IAccountDirectory accounts, PolicyPathCheck check)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(check);
        var diagnostics = new ConfigDiagnostics();
        var files = new List<(string Named, PolicyPathResult Resolved)>();
        FindFiles(path, check, files, diagnostics);
        var rules = ImmutableArray.CreateBuilder<PolicyRule>();
        var ruleNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, resolved) in files)
        {
            if (PolicyFileReader.Read(file, resolved, diagnostics) is { } text)
            {
                new PolicyFileParser(file, accounts, diagnostics, ruleNames).Parse(text, rules);
            }
        }

        if (diagnostics.ErrorCount > 0)
        {
            throw new PolicyLoadException(diagnostics.Errors);
        }

        var policy = new PortPolicy(rules.ToImmutable(), [.. files.Select(file => file.Named)], diagnostics.Warnings);
        KernelRuleCheck.Check(policy, accounts, diagnostics);
        if (diagnostics.ErrorCount > 0)
        {
            throw new PolicyLoadException(diagnostics.Errors);
        }

        return policy;
    }

    private static void FindFiles(string path, PolicyPathCheck check, List<(string, PolicyPathResult)> files, ConfigDiagnostics diagnostics)
    {
        var target = check.Resolve(path);
        if (target.Problem is not null)
        {
            diagnostics.Error(target.ProblemPath!, 0, null, "policy", target.Problem);
            return;
        }

        if (!target.Found)
        {
            diagnostics.Error(path, 0, null, "policy",
                "no such file or directory; create it with a rule such as: [[allow]] users = [\"www-data\"] ports = [\"tcp/80\"] "
                + "(one key per line; an empty file denies everything), or pass --policy PATH");
            return;
        }

        string directory;
        if (target.Status.IsDirectory)
        {
            if (!AddTomlFiles(path, target, check, files, diagnostics))
            {
                return;
            }

            directory = path;
        }
        else
        {
            if (!Acceptable(path, target, diagnostics))
            {
                return;
            }

            files.Add((path, target));
            directory = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : ".";
        }

        string dropIns = Path.Combine(directory, DropInDirectory);
        var dropInTarget = check.Resolve(dropIns);
        if (dropInTarget.Problem is not null)
        {
            diagnostics.Error(dropInTarget.ProblemPath!, 0, null, "policy", dropInTarget.Problem);
        }
        else if (dropInTarget.Found && dropInTarget.Status.IsDirectory)
        {
            AddTomlFiles(dropIns, dropInTarget, check, files, diagnostics);
        }
    }

    private static bool AddTomlFiles(
        string directory, PolicyPathResult resolved, PolicyPathCheck check, List<(string, PolicyPathResult)> files, ConfigDiagnostics diagnostics)
    {
        if (PolicyPathCheck.ModeProblem(directory, resolved.Status) is { } problem)
        {
            diagnostics.Error(directory, 0, null, "policy", problem);
            return false;
        }

        string[] found;
        try
        {
            found = Directory.GetFiles(directory, "*.toml");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(directory, 0, null, "policy", $"cannot list the directory: {e.Message}");
            return false;
        }

        Array.Sort(found, StringComparer.Ordinal);
        foreach (string file in found)
        {
            var target = check.Resolve(file);
            if (target.Problem is not null)
            {
                diagnostics.Error(target.ProblemPath!, 0, null, "policy", target.Problem);
            }
            else if (!target.Found)
            {
                diagnostics.Error(file, 0, null, "policy", "is a symbolic link to nothing; remove it or point it at a policy file");
            }
            else if (target.Status.IsDirectory)
            {
                // A directory named like a drop-in is not one.
            }
            else if (Acceptable(file, target, diagnostics))
            {
                files.Add((file, target));
            }
        }

        return true;
    }

    private static bool Acceptable(string file, PolicyPathResult target, ConfigDiagnostics diagnostics)
    {
        if (!target.Status.IsRegularFile)
        {
            diagnostics.Error(file, 0, null, "policy",
                $"is {target.Status.Kind}, not a regular file, so it is not read; policy files must be regular files. Remove it (rm {file}) or replace it with one");
            return false;
        }

        if (PolicyPathCheck.ModeProblem(target.RealPath!, target.Status) is { } problem)
        {
            diagnostics.Error(target.RealPath!, 0, null, "policy", problem);
            return false;
        }

        return true;
    }
}
