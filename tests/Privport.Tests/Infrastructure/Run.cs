using System.Diagnostics;

namespace Privport.Tests.Infrastructure;

/// <summary>Runs real processes: as root, or as an unprivileged uid through setpriv.</summary>
public static class Run
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static Task<ProcessResult> AsUidAsync(uint uid, string program, params string[] arguments) =>
        AsUidWithGroupsAsync(uid, [], program, arguments);

    public static async Task<ProcessResult> AsUidWithGroupsAsync(uint uid, uint[] groups, string program, params string[] arguments)
    {
        var info = SetprivProcess.StartInfo(Privilege.Setpriv, uid, uid, program, arguments, groups);
        info.WorkingDirectory = ServiceProcess.ReadableWorkingDirectory;
        return await CompleteAsync(info);
    }

    public static Task<ProcessResult> AsRootAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return CompleteAsync(info);
    }

    /// <summary>Runs a prepared process to its end, collecting its output.</summary>
    public static async Task<ProcessResult> CompleteAsync(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        using var deadline = new CancellationTokenSource(Limit);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} ran past {Limit.TotalSeconds} s");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
