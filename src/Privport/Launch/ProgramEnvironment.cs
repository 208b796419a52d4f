namespace Privport.Launch;

/// <summary>
/// The environment the program starts with. As another user it starts from a minimal one, as <c>runuser -l</c> and
/// systemd's <c>User=</c> do: root's variables (SSH_AUTH_SOCK, KRB5CCNAME, SUDO_*, LD_*, tokens, ...) say where
/// root's secrets are, or are secrets, and must not reach a program that runs as someone else.
/// </summary>
internal static class ProgramEnvironment
{
    /// <summary>systemd's PATH for system services.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    // Kept from the caller: the terminal type and locale say how to talk to whoever reads the output and hold no
    // secret (runuser -l keeps TERM; systemd gives services LANG and LC_*); the rest is what systemd sets for the
    // service itself, so a unit that runs privport exec keeps sd_notify, the watchdog and its directories working.
    private static readonly HashSet<string> Passed = new(StringComparer.Ordinal)
    {
        "TERM", "LANG", "LANGUAGE",
        "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "INVOCATION_ID", "JOURNAL_STREAM", "SYSTEMD_EXEC_PID",
        "RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY", "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY",
        "CREDENTIALS_DIRECTORY",
    };

    /// <summary>
    /// The program's environment: the caller's own when the program runs as the caller (<paramref name="account"/>
    /// null), else the minimal one for <paramref name="account"/> and the variables kept by name; then the variables
    /// set explicitly.
    /// </summary>
    public static Dictionary<string, string> Build(TargetAccount? account, IReadOnlyDictionary<string, string> caller, EnvironmentChanges changes)
    {
        Dictionary<string, string> environment;
        if (account is null)
        {
            environment = new Dictionary<string, string>(caller, StringComparer.Ordinal);
        }
        else
        {
            environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["PATH"] = DefaultPath,
                ["HOME"] = account.Home ?? "/",
                ["USER"] = account.Name,
                ["LOGNAME"] = account.Name,
                ["SHELL"] = account.Shell ?? "/bin/sh",
            };
            foreach (var (name, value) in caller)
            {
                if (Passed.Contains(name) || name.StartsWith("LC_", StringComparison.Ordinal))
                {
                    environment[name] = value;
                }
            }

            foreach (string name in changes.Keep)
            {
                if (caller.TryGetValue(name, out string? value))
                {
                    environment[name] = value;
                }
            }
        }

        foreach (var (name, value) in changes.Set)
        {
            environment[name] = value;
        }

        return environment;
    }
}
