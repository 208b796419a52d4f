using System.Collections;
using Privport.Interop;

namespace Privport.Launch;

/// <summary>Replaces this process with another program (execve), so the program keeps privport's pid.</summary>
internal static class ProcessImage
{
    /// <summary>Does not return on success; throws <see cref="SystemCallException"/> when execve fails.</summary>
    public static void Replace(string path, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var argv = new string?[arguments.Count + 1];
        for (int i = 0; i < arguments.Count; i++)
        {
            argv[i] = arguments[i];
        }

        var envp = new string?[environment.Count + 1];
        int next = 0;
        foreach (var (name, value) in environment)
        {
            envp[next++] = $"{name}={value}";
        }

        // Nothing to flush: Console's writers flush every write, and touching them here would only create them.
        Privport.Interop.Interop.Libc.execve(path, argv, envp);
        throw SystemCallException.FromLastError($"execve {path}");
    }

    /// <summary>This process's environment as a mutable copy.</summary>
    public static Dictionary<string, string> CurrentEnvironment()
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            copy[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        return copy;
    }
}
