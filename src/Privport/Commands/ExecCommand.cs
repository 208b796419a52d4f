using System.Runtime.InteropServices;
using Privport.Client;
using Privport.HostFacts;
using Privport.Interop;
using Privport.Launch;

namespace Privport.Commands;

/// <summary>
/// <c>privport exec [--port ENDPOINT]... [--name N]... [--user U] [--group G] [--keep-caps] -- CMD</c>: opens the
/// sockets (itself as root, else through the broker), drops to the user as root, and execs the program with the
/// sockets at descriptors 3, 4, … and LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES as systemd sets them. A program
/// that runs as another user starts outside root's session, with no terminal (<see cref="TerminalIsolation"/>),
/// from a minimal environment (<see cref="ProgramEnvironment"/>).
/// </summary>
internal sealed class ExecCommand
{
    private const string Verb = "privport exec";

    // Created on first use: a successful exec never writes, and creating Console.Error costs start-up time.
    private readonly Func<TextWriter> _error;

    public ExecCommand(Func<TextWriter> error)
    {
        _error = error;
    }

    public int Run(ExecRequest request)
    {
        if (Validate(request) is { } usage)
        {
            _error().WriteLine($"{Verb}: {usage}");
            return ExitCodes.Usage;
        }

        var specs = new List<ListenSpec>(request.Ports.Count);
        foreach (string text in request.Ports)
        {
            if (!ListenSpec.TryParse(text, out var spec, out string? problem))
            {
                _error().WriteLine($"{Verb}: --port {problem}");
                return ExitCodes.Usage;
            }

            specs.Add(spec);
        }

        if (!EnvironmentChanges.TryParse(request.KeepEnvironment, request.SetEnvironment, out var changes, out string? badEnvironment))
        {
            _error().WriteLine($"{Verb}: {badEnvironment}");
            return ExitCodes.Usage;
        }

        bool root = CurrentProcess.IsRoot;
        if (Target(request, root, out int refusal) is not { } target)
        {
            return refusal;
        }

        // The caller's PATH finds the program: the command means what it means in the shell it was typed in; the
        // program itself then runs with the PATH of its own environment. It is searched as the user who will run it.
        var callerEnvironment = ProcessImage.CurrentEnvironment();
        var runAs = root ? target.Account : null;
        if (ProgramPath.Resolve(request.Command[0], callerEnvironment.GetValueOrDefault("PATH"), runAs) is not { } program)
        {
            _error().WriteLine(runAs is { IsRoot: false }
                ? $"{Verb}: {request.Command[0]} not found (searched $PATH as {runAs.Name}: a match in a directory {runAs.Name} cannot search, or that it cannot execute, does not count)"
                : $"{Verb}: {request.Command[0]} not found (searched $PATH)");
            return ExitCodes.CommandNotFound;
        }

        // Another user must not get root's terminal or session: before any socket is opened, so a relayed copy of
        // this command can open them itself.
        var newIdentity = root && !target.Account!.IsRoot ? target.Account : null;
        if (newIdentity is not null && !request.KeepTerminal && Detach() is { } relayed)
        {
            return relayed;
        }

        var source = new SocketSource(request.SocketPath, newIdentity?.Uid);
        var sockets = new List<SafeHandle>(specs.Count);
        try
        {
            foreach (var spec in specs)
            {
                if (Open(source, spec, out int failure) is not { } socket)
                {
                    return failure;
                }

                sockets.Add(socket);
            }

            var names = new string[specs.Count];
            for (int i = 0; i < specs.Count; i++)
            {
                names[i] = i < request.Names.Count ? request.Names[i] : specs[i].DefaultName;
            }

            var environment = ProgramEnvironment.Build(newIdentity, callerEnvironment, changes);
            SocketHandover.Arrange(sockets, names, environment);
            if (newIdentity is not null)
            {
                PrivilegeDrop.Apply(newIdentity, request.KeepCapabilities);
            }

            ProcessImage.Replace(program, request.Command, environment);
        }
        catch (PrivilegeDropException e)
        {
            _error().WriteLine($"{Verb}: cannot run {program}: {e.Message}");
            return ExitCodes.Config;
        }
        catch (SystemCallException e)
        {
            _error().WriteLine($"{Verb}: cannot run {program}: {e.Message}");
            return e.Syscall.StartsWith("execve", StringComparison.Ordinal) ? ExitCodes.CommandNotRunnable : ExitCodes.Software;
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        return ExitCodes.CommandNotRunnable;
    }

    /// <summary>
    /// Null when this process now has no terminal to hand on; else the exit code of the program, run and relayed by
    /// <see cref="SessionRelay"/> (or the failure to start it).
    /// </summary>
    private int? Detach()
    {
        try
        {
            return TerminalIsolation.TryDetachInPlace() ? null : SessionRelay.Run();
        }
        catch (SystemCallException e)
        {
            _error().WriteLine($"{Verb}: cannot keep this terminal from the program ({e.Message}); run privport exec with stdin, "
                + "stdout and stderr redirected away from the terminal (e.g. </dev/null >log 2>&1), or see --keep-terminal");
            return ExitCodes.Software;
        }
    }

    private static string? Validate(ExecRequest request)
    {
        if (request.Command.Count == 0)
        {
            return "give the program to run, e.g. privport exec --port tcp/80 --user www-data -- python3 server.py";
        }

        if (request.Names.Count > request.Ports.Count)
        {
            return $"{request.Names.Count} --name values for {request.Ports.Count} --port values: each name labels the --port in the same position";
        }

        foreach (string name in request.Names)
        {
            // sd_listen_fds_with_names splits on ':'; systemd accepts printable ASCII names of at most 255 bytes.
            if (name.Length is 0 or > 255 || name.Any(c => c is ':' or < '!' or > '~'))
            {
                return $"--name '{name}' is not a socket name: 1 to 255 printable ASCII characters without ':' or spaces";
            }
        }

        return null;
    }

    private ExecTarget? Target(ExecRequest request, bool root, out int refusal)
    {
        refusal = ExitCodes.Ok;
        if (!root)
        {
            if (request.KeepCapabilities)
            {
                _error().WriteLine($"{Verb}: --keep-caps keeps root's CAP_NET_BIND_SERVICE, but privport runs as uid {CurrentProcess.EffectiveUid}; run it as root, or drop --keep-caps");
                refusal = ExitCodes.Usage;
                return null;
            }

            if (request.User is not null)
            {
                if (!TargetAccount.TryResolve(request.User, request.Group, out var same, out _) || same.Uid != CurrentProcess.EffectiveUid)
                {
                    _error().WriteLine($"{Verb}: only root can switch to --user {request.User}; run privport exec as root, or leave out --user to run as yourself with sockets from the broker");
                    refusal = ExitCodes.NoPermission;
                    return null;
                }
            }

            return new ExecTarget(null);
        }

        if (request.User is null)
        {
            _error().WriteLine($"{Verb}: as root, give --user USER to run {request.Command[0]} as (the point is not to run it as root); --user root keeps root on purpose");
            refusal = ExitCodes.Usage;
            return null;
        }

        if (!TargetAccount.TryResolve(request.User, request.Group, out var account, out string? error))
        {
            _error().WriteLine($"{Verb}: {error}");
            refusal = ExitCodes.NoUser;
            return null;
        }

        return new ExecTarget(account);
    }

    private SafeFdHandle? Open(SocketSource source, ListenSpec spec, out int failure)
    {
        try
        {
            failure = ExitCodes.Ok;
            return source.Open(spec.Endpoint, spec.Options, spec.Backlog);
        }
        catch (SocketSourceException e)
        {
            _error().WriteLine($"{Verb}: {e.Message}");
            failure = e.Failure switch
            {
                SocketSourceFailure.BrokerUnreachable => ExitCodes.BrokerUnreachable,
                SocketSourceFailure.Denied => ExitCodes.Denied,
                _ => ExitCodes.Unavailable,
            };
            return null;
        }
    }

    private sealed record ExecTarget(TargetAccount? Account);
}
