using System.Diagnostics;

namespace Privport.HostFacts;

/// <summary>Runs listing commands found in the usual sbin/bin directories, each bounded to two seconds.</summary>
internal sealed class SystemHostCommands : IHostCommands
{
    private static readonly string[] Directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public string? Run(string program, params string[] arguments)
    {
        string? path = Directories.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }

        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? output.GetAwaiter().GetResult() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
