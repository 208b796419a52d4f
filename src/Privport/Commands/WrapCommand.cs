using Privport.Client;
using Privport.Client.Interop;
using Privport.Launch;

namespace Privport.Commands;

/// <summary>
/// <c>privport wrap [--socket S] [--deep] -- CMD ARGS...</c>: runs an unmodified, dynamically linked program with the
/// LD_PRELOAD shim, so its binds of privileged ports go through the broker.
/// </summary>
internal sealed class WrapCommand
{
    public const string DeepVariable = "PRIVPORT_DEEP";

    // Created on first use: a successful exec never writes, and creating Console.Error costs start-up time.
    private readonly Func<TextWriter> _error;

    public WrapCommand(Func<TextWriter> error)
    {
        _error = error;
    }

    public int Run(string? socketPath, bool deep, IReadOnlyList<string> command)
    {
        if (command.Count == 0)
        {
            _error().WriteLine("privport wrap: give the program to run, e.g. privport wrap -- python3 -m http.server 80");
            return ExitCodes.Usage;
        }

        var environment = ProcessImage.CurrentEnvironment();
        if (ProgramPath.Resolve(command[0], environment.GetValueOrDefault("PATH")) is not { } program)
        {
            _error().WriteLine($"privport wrap: {command[0]} not found (searched $PATH)");
            return ExitCodes.CommandNotFound;
        }

        if (Refusal(program) is { } reason)
        {
            _error().WriteLine($"privport wrap: {program} {reason}, so the dynamic linker will not load the shim. " +
                "Hand it sockets with 'privport exec --port ... -- CMD' (LISTEN_FDS), or put 'privport forward' in front of it.");
            return ExitCodes.Usage;
        }

        if (PreloadShim.Locate(Environment.ProcessPath) is not { } shim)
        {
            _error().WriteLine($"privport wrap: {PreloadShim.FileName} is missing next to {Environment.ProcessPath}; reinstall privport (the build places it there).");
            return ExitCodes.Software;
        }

        environment["LD_PRELOAD"] = PreloadShim.AppendTo(environment.GetValueOrDefault("LD_PRELOAD"), shim);
        if (!string.IsNullOrEmpty(socketPath))
        {
            environment[PrivportClient.SocketEnvironmentVariable] = socketPath;
        }

        if (deep)
        {
            environment[DeepVariable] = "1";
        }
        else
        {
            environment.Remove(DeepVariable);
        }

        try
        {
            ProcessImage.Replace(program, command, environment);
        }
        catch (SystemCallException e)
        {
            _error().WriteLine($"privport wrap: cannot run {program}: {e.Message}");
        }

        return ExitCodes.CommandNotRunnable;
    }

    private static string? Refusal(string program)
    {
        var mode = (uint)File.GetUnixFileMode(program);
        if ((mode & (Client.Interop.Interop.Libc.S_ISUID | Client.Interop.Interop.Libc.S_ISGID)) != 0)
        {
            return "is setuid or setgid";
        }

        return ElfLinkage.IsStatic(program) ? "is statically linked" : null;
    }
}
