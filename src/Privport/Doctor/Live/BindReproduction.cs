using System.Diagnostics;
using System.Globalization;
using Privport.Client;
using Privport.Interop;
using Privport.Launch;
using Privport.Policy;
using Privport.Sockets;

namespace Privport.Doctor.Live;

/// <summary>
/// Reproduces the bind as the user who failed: in a child process (this very binary, a hidden verb) started as
/// <c>privport exec</c> starts a program, with that user's uid, gid and groups and no capabilities (in a session of its
/// own, stdin not a terminal, a minimal environment: <see cref="UnprivilegedProcess"/>), or in this process when the
/// user is the caller.
/// </summary>
internal static class BindReproduction
{
    public const string Verb = "reproduce-bind";

    /// <summary>What the reproduction child prints when no broker answers its QUERY.</summary>
    public const string BrokerUnreachable = "unreachable";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    public static async Task<ReproducedBind> RunAsync(Endpoint endpoint, UserAccount? user, string? selfExecutable, string? brokerSocket, CancellationToken cancellation)
    {
        uint euid = Privport.Interop.Interop.Libc.geteuid();
        if (user is null || user.Uid == euid)
        {
            string self = UserDatabase.FindUser(euid)?.Name ?? euid.ToString(CultureInfo.InvariantCulture);
            return new ReproducedBind($"{self} (uid {euid}, this process)", BindProbe.Try(endpoint), null);
        }

        string who = $"{user.Name} (uid {user.Uid})";
        if (euid != 0)
        {
            return new ReproducedBind(who, null, $"only root can start a process as {user.Name}; run the doctor as root, or as {user.Name}");
        }

        if (selfExecutable is null)
        {
            return new ReproducedBind(who, null, "cannot tell where the privport executable is, to run the bind as another user");
        }

        var privport = PrivportExecutable.At(selfExecutable);
        string[] arguments = brokerSocket is not null && File.Exists(brokerSocket)
            ? [.. privport.LeadingArguments, "doctor", Verb, endpoint.ToString(), "--socket", brokerSocket]
            : [.. privport.LeadingArguments, "doctor", Verb, endpoint.ToString()];
        var info = UnprivilegedProcess.StartInfo(privport, user.Uid, user.PrimaryGid, privport.FileName, arguments);
        using var process = UnprivilegedProcess.Start(info);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(Limit);
        try
        {
            string output = await process.StandardOutput.ReadToEndAsync(deadline.Token);
            string error = await process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length > 0 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out int errno)
                ? new ReproducedBind(who, errno, null, lines.Length > 1 ? lines[1] : null)
                : new ReproducedBind(who, null, $"the child bind as {user.Name} said nothing usable (exit {process.ExitCode}: {error.Trim()})");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            process.Kill();
            return new ReproducedBind(who, null, $"the child bind as {user.Name} did not answer within {Limit.TotalSeconds} s");
        }
    }
}
