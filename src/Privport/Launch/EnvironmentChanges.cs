using System.Diagnostics.CodeAnalysis;

namespace Privport.Launch;

/// <summary>What the caller asked to add to the program's environment: variables kept by name and variables set.</summary>
internal sealed record EnvironmentChanges(IReadOnlyList<string> Keep, IReadOnlyList<KeyValuePair<string, string>> Set)
{
    /// <summary>Checks <c>--keep-env NAME</c> and <c>--env NAME=VALUE</c> values; the problem names the option and says what to give.</summary>
    public static bool TryParse(IReadOnlyList<string> keep, IReadOnlyList<string> set, [NotNullWhen(true)] out EnvironmentChanges? changes, [NotNullWhen(false)] out string? problem)
    {
        changes = null;
        foreach (string name in keep)
        {
            if (NameProblem(name) is { } reason)
            {
                problem = $"--keep-env '{name}': {reason}; give the name alone, e.g. --keep-env SSH_AUTH_SOCK, or set a value with --env NAME=VALUE";
                return false;
            }
        }

        var pairs = new List<KeyValuePair<string, string>>(set.Count);
        foreach (string assignment in set)
        {
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? assignment : assignment[..equals];
            if (equals < 0 || NameProblem(name) is not null)
            {
                string reason = equals < 0 ? "no '='" : NameProblem(name)!;
                problem = $"--env '{assignment}': {reason}; give NAME=VALUE, e.g. --env APP_CONFIG=/etc/app.conf, or keep the caller's value with --keep-env NAME";
                return false;
            }

            pairs.Add(new(name, assignment[(equals + 1)..]));
        }

        changes = new EnvironmentChanges(keep, pairs);
        problem = null;
        return true;
    }

    private static string? NameProblem(string name)
    {
        if (name.StartsWith("LISTEN_", StringComparison.Ordinal))
        {
            return "privport sets LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES itself";
        }

        bool valid = name.Length > 0 && !char.IsAsciiDigit(name[0]);
        foreach (char c in name)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || c == '_';
        }

        return valid ? null : "not a variable name (letters, digits and '_', not starting with a digit)";
    }
}
