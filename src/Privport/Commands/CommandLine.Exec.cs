using System.CommandLine;

namespace Privport.Commands;

internal static partial class CommandLine
{
    private static Command Exec()
    {
        var ports = new Option<string[]>("--port")
        {
            Description = "A socket to open and pass, in order from descriptor 3: ENDPOINT[,backlog=N][,reuseport][,v6only], e.g. tcp/80 or tcp/[::]:443,v6only; "
                + "without any, the program starts as the user with no sockets and no LISTEN_* variables",
            HelpName = "ENDPOINT",
            AllowMultipleArgumentsPerToken = false,
        };
        var names = new Option<string[]>("--name")
        {
            Description = "The LISTEN_FDNAMES name of the --port in the same position (default PROTOCOL-PORT, e.g. tcp-80)",
            HelpName = "NAME",
        };
        var user = new Option<string?>("--user") { Description = "As root: the user (name or uid) to run the program as, for good", HelpName = "USER" };
        var group = new Option<string?>("--group") { Description = "As root: the primary group (name or gid) instead of the user's own", HelpName = "GROUP" };
        var keepCaps = new Option<bool>("--keep-caps")
        {
            Description = "As root: let the program keep CAP_NET_BIND_SERVICE (alone, as an ambient capability) to bind more low ports itself",
        };
        var keepTerminal = new Option<bool>("--keep-terminal")
        {
            Description = "As root with --user: let the program share this session and terminal instead of starting it detached "
                + "(by default its output is relayed and it reads nothing). Dangerous: it can then type commands into root's shell "
                + "(TIOCSTI) and read what root types next",
        };
        var keepEnv = new Option<string[]>("--keep-env")
        {
            Description = "As root with --user: pass this variable of the caller's on to the program (repeatable); the program "
                + "otherwise gets PATH, HOME, USER, LOGNAME, SHELL, TERM, LANG, LC_*, systemd's service variables and LISTEN_*",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = false,
        };
        var setEnv = new Option<string[]>("--env")
        {
            Description = "Set a variable in the program's environment (repeatable)",
            HelpName = "NAME=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var socket = SocketOption();
        var program = new Argument<string[]>("command")
        {
            Description = "The program and its arguments (put -- before them)",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("exec", "Open privileged sockets (as root, or through the broker), drop to a user, and run a program with them as systemd passes sockets (LISTEN_FDS); "
            + "as another user the program starts outside the caller's session and terminal, from a minimal environment")
        {
            ports, names, user, group, keepCaps, keepTerminal, keepEnv, setEnv, socket, program,
        };
        command.TreatUnmatchedTokensAsErrors = true;
        command.SetAction(result => new ExecCommand(ServiceLogging.StandardError).Run(new ExecRequest(
            result.GetValue(ports) ?? [], result.GetValue(names) ?? [], result.GetValue(user), result.GetValue(group),
            result.GetValue(socket), result.GetValue(keepCaps), result.GetValue(program) ?? [])
        {
            KeepTerminal = result.GetValue(keepTerminal),
            KeepEnvironment = result.GetValue(keepEnv) ?? [],
            SetEnvironment = result.GetValue(setEnv) ?? [],
        }));
        return command;
    }
}
