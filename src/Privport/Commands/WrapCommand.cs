using Privport.Client;
using Privport.Interop;
using Privport.Protocol;
using Privport.Launch;
using Privport.HostFacts;

namespace Privport.Commands;

/// <summary>
/// <c>privport wrap [--socket S] [--deep] -- CMD ARGS...</c>: runs an unmodified, dynamically linked program with the
/// LD_PRELOAD shim, so its binds of privileged ports go through the broker. With <c>--kernel</c> it asks the broker to
/// enrol this process in a kernel grant (a child cgroup of its own with the grant's program attached) and then runs
/// the program as it is: static binaries, setuid-free programs, anything that calls bind(2).
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

    /// <summary><c>wrap --kernel</c>: enrol, say once on stderr what was left out, exec the program unchanged.</summary>
    public async Task<int> RunKernelAsync(string? socketPath, IReadOnlyList<string> command, CancellationToken cancellation)
    {
        if (command.Count == 0)
        {
            _error().WriteLine("privport wrap --kernel: give the program to run, e.g. privport wrap --kernel -- caddy run");
            return ExitCodes.Usage;
        }

        var environment = ProcessImage.CurrentEnvironment();
        if (ProgramPath.Resolve(command[0], environment.GetValueOrDefault("PATH")) is not { } program)
        {
            _error().WriteLine($"privport wrap: {command[0]} not found (searched $PATH)");
            return ExitCodes.CommandNotFound;
        }

        var client = new PrivportClient(socketPath);
        string socket = client.SocketPath;
        BrokerReply reply;
        List<string> lines;
        try
        {
            (reply, lines) = await KernelEnrolExchange.RunAsync(socket, client.Timeout, cancellation);
        }
        catch (PrivportException e)
        {
            _error().WriteLine($"privport wrap --kernel: {e.Message}");
            return e.BrokerUnreachable ? ExitCodes.BrokerUnreachable : ExitCodes.Software;
        }

        foreach (string line in lines)
        {
            if (line.StartsWith("left out: ", StringComparison.Ordinal) || reply.Status != 0)
            {
                _error().WriteLine($"privport wrap --kernel: {line}");
            }
        }

        if (reply.Status != 0)
        {
            _error().WriteLine($"privport wrap --kernel: the broker did not enrol this process: {reply.Reason} ({Errno.Name(reply.Status)})");
            return reply.Status == Privport.Interop.Interop.Libc.EACCES ? ExitCodes.Denied : ExitCodes.Unavailable;
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
        if ((File.GetUnixFileMode(program) & (UnixFileMode.SetUser | UnixFileMode.SetGroup)) != 0)
        {
            return "is setuid or setgid";
        }

        return ElfLinkage.IsStatic(program) ? "is statically linked" : null;
    }
}
