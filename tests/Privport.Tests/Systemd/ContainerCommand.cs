using System.Diagnostics;
using Privport.Tests.Infrastructure;

namespace Privport.Tests.Systemd;

/// <summary>Runs a process on the host to its end within a limit, collecting its output.</summary>
internal static class ContainerCommand
{
    public static async Task<ProcessResult> RunAsync(TimeSpan limit, string program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(limit);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} ran past {limit.TotalSeconds} s");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
