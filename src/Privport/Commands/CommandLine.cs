using System.CommandLine;
using Privport.Broker;
using Privport.Client;
using Privport.Policy;

namespace Privport.Commands;

/// <summary>The verbs and their options, declared once; each action calls one handler.</summary>
internal static partial class CommandLine
{
    /// <summary>
    /// The command tree. With <paramref name="invokedVerb"/> naming a verb, only that verb is built: every service start
    /// through <c>privport exec</c> or <c>wrap</c> pays for parsing, so the others are left out.
    /// </summary>
    public static RootCommand Build(string? invokedVerb = null)
    {
        string[] verbNames = [];
        (string Name, Func<Command> Create)[] verbs =
        [
            ("serve", Serve),
            ("policy", PolicyVerbs),
            ("wrap", Wrap),
            ("exec", Exec),
            ("forward", Forward),
            ("redirect", RedirectVerbs),
            ("probe", Probe),
            ("status", Status),
            ("demo", Demo),
            (DemoHttpServerCommand.Verb, DemoHttpServer),
            ("doctor", () => Doctor(verbNames)),
            ("kernel", KernelVerbs),
        ];
        verbNames = Array.ConvertAll(verbs, verb => verb.Name);
        bool known = Array.Exists(verbs, verb => verb.Name == invokedVerb);
        var root = new RootCommand("privport: let services that do not run as root use privileged ports, by policy.");
        foreach (var (name, create) in verbs)
        {
            if (!known || name == invokedVerb)
            {
                root.Subcommands.Add(create());
            }
        }

        if (!known)
        {
            // The completion scripts are generated from the whole tree, so this verb needs every other one built.
            root.Subcommands.Add(Completions(root));
        }

        return root;
    }

    private static Option<string?> SocketOption() => new("--socket")
    {
        Description = $"The broker's socket (default: ${PrivportClient.SocketEnvironmentVariable}, else {PrivportClient.DefaultSocketPath})",
        HelpName = "PATH",
    };

    /// <summary>
    /// The action of a verb that runs until stopped, in a <see cref="ServiceHost"/>. Synchronous, so System.CommandLine
    /// leaves SIGTERM and SIGINT to the host: with an asynchronous action it ends the process 2 s after either, with
    /// 143 or 130, cutting forward's drain short and the broker's withdrawal of its kernel grants.
    /// </summary>
    private static void SetServiceAction(Command command, Func<ParseResult, Task<int>> run) =>
        command.SetAction(result => run(result).GetAwaiter().GetResult());

    /// <summary>--metrics ADDRESS:PORT, shared by the long-running verbs.</summary>
    internal static Option<string?> MetricsOption() => new("--metrics")
    {
        Description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics, e.g. 127.0.0.1:9464",
        HelpName = "ADDRESS:PORT",
    };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print JSON for scripts" };

    private static Argument<string> EndpointArgument() => new("endpoint")
    {
        Description = "PROTOCOL/[ADDRESS:]PORT, e.g. tcp/80, udp/53, tcp/127.0.0.1:80, tcp/[::1]:443",
    };

    private static Command Serve()
    {
        var policy = new Option<string>("--policy")
        {
            Description = $"Policy file, or a directory of *.toml files (default {PolicyLoader.DefaultPath} and its policy.d/)",
            HelpName = "PATH",
            DefaultValueFactory = _ => PolicyLoader.DefaultPath,
        };
        var socket = new Option<string>("--socket")
        {
            Description = $"Where to listen (default {PrivportClient.DefaultSocketPath})",
            HelpName = "PATH",
            DefaultValueFactory = _ => PrivportClient.DefaultSocketPath,
        };
        var audit = new Option<string?>("--audit") { Description = "Also append the audit log (JSON lines) to FILE (created 0600; SIGHUP reopens it after rotation)", HelpName = "FILE" };
        var timeout = new Option<double>("--client-timeout")
        {
            Description = "Seconds a connected client may stay silent before it is disconnected",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 5,
        };
        var auditRate = new Option<int>("--audit-rate")
        {
            Description = $"Audit lines written per uid per {AuditThrottle.DefaultInterval.TotalSeconds:0} s; the rest are counted in one summary line (0: write every decision; root is never limited)",
            HelpName = "LINES",
            DefaultValueFactory = _ => AuditThrottle.DefaultLinesPerInterval,
        };
        var metrics = MetricsOption();
        var bpfRoot = BpfRootOption();
        var onStop = ChoiceOption<KernelGrantsOnStop>("--kernel-grants-on-stop",
            "What becomes of the kernel grants when the broker stops: revoke (fail closed: their maps are emptied) or keep", KernelGrantsOnStop.Revoke);
        var command = new Command("serve", "Run the broker: decide by policy, bind sockets for clients, audit every decision")
        {
            policy, socket, audit, auditRate, timeout, metrics, bpfRoot, onStop,
        };
        SetServiceAction(command, result => new ServeCommand(ServiceLogging.StandardError()).RunAsync(
            new ServeRequest(result.GetValue(policy)!, result.GetValue(socket)!, result.GetValue(audit), result.GetValue(auditRate), result.GetValue(timeout), result.GetValue(metrics),
                result.GetValue(bpfRoot)!, result.Choice<KernelGrantsOnStop>(onStop))));
        return command;
    }

    private static Command PolicyVerbs()
    {
        var checkPath = new Argument<string?>("path") { Description = "Policy file or directory", Arity = ArgumentArity.ZeroOrOne };
        var checkJson = JsonOption();
        var check = new Command("check", "Validate a policy and print its effective rules") { checkPath, checkJson };
        check.SetAction(result => new PolicyCheckCommand(new SystemAccountDirectory())
            .Run(result.GetValue(checkPath), result.GetValue(checkJson), Console.Out, Console.Error));

        var policyPath = new Option<string?>("--policy") { Description = "Policy file or directory", HelpName = "PATH" };
        var user = new Option<string>("--user") { Description = "User name or uid", HelpName = "USER", Required = true };
        var exe = new Option<string?>("--exe") { Description = "The executable the user would run", HelpName = "PATH" };
        var groups = new Option<string[]>("--group") { Description = "An extra supplementary group (name or gid)", HelpName = "GROUP", AllowMultipleArgumentsPerToken = false };
        var v6only = new Option<bool>("--v6only") { Description = "The IPv6 socket sets IPV6_V6ONLY (a [::] bind then does not take IPv4)" };
        var unit = new Option<string?>("--unit") { Description = "The process runs in this systemd unit (kernel-scoped rules grant there)", HelpName = "NAME" };
        var cgroup = new Option<string?>("--cgroup") { Description = "The process runs in this cgroup v2 path (kernel-scoped rules grant there)", HelpName = "CGROUP" };
        var testJson = JsonOption();
        var endpoint = EndpointArgument();
        var test = new Command("test", "Decide one request against a policy, without a broker, and say which path (kernel or broker) grants it")
        {
            policyPath, user, exe, groups, v6only, unit, cgroup, testJson, endpoint,
        };
        test.SetAction(result => new PolicyTestCommand(new SystemAccountDirectory()).Run(
            new PolicyTestRequest(
                result.GetValue(policyPath), result.GetValue(user)!, result.GetValue(exe), result.GetValue(groups) ?? [],
                result.GetValue(v6only), result.GetValue(endpoint)!, result.GetValue(unit), result.GetValue(cgroup), result.GetValue(testJson)),
            Console.Out, Console.Error));

        var authbindDirectory = new Argument<string?>("directory")
        {
            Description = $"authbind's configuration (default {PolicyImportAuthbindCommand.DefaultDirectory})",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var importAuthbind = new Command("import-authbind", "Print a policy equivalent to an authbind configuration (byport/, byaddr/, byuid/)") { authbindDirectory };
        importAuthbind.SetAction(result => new PolicyImportAuthbindCommand()
            .Run(result.GetValue(authbindDirectory), Console.Out, Console.Error));

        return new Command("policy", "Check and try out policies") { check, test, importAuthbind };
    }

    private static Command Wrap()
    {
        var socket = SocketOption();
        var deep = new Option<bool>("--deep") { Description = "Keep the shim in the program's child processes too (default: the program only)" };
        var program = new Argument<string[]>("command")
        {
            Description = "The program and its arguments (put -- before them)",
            Arity = ArgumentArity.OneOrMore,
        };
        var kernel = new Option<bool>("--kernel")
        {
            Description = "Have the broker grant the binds in the kernel (cgroup BPF) instead of through the shim: works for static and setuid-free programs alike",
        };
        var command = new Command("wrap", "Run an unmodified program so its binds of privileged ports go through the broker (LD_PRELOAD), or are granted in the kernel (--kernel)")
        {
            socket, deep, kernel, program,
        };
        command.TreatUnmatchedTokensAsErrors = true;
        command.SetAction((result, cancellation) => result.GetValue(kernel)
            ? new WrapCommand(ServiceLogging.StandardError).RunKernelAsync(result.GetValue(socket), result.GetValue(program) ?? [], cancellation)
            : Task.FromResult(new WrapCommand(ServiceLogging.StandardError).Run(result.GetValue(socket), result.GetValue(deep), result.GetValue(program) ?? [])));
        return command;
    }

    private static Command Probe()
    {
        var socket = SocketOption();
        var mode = ChoiceOption<ProbeMode>("--mode", "query: ask only; open: have the broker bind a socket; bind: send our own socket to be bound", ProbeMode.Query);
        var v6only = new Option<bool>("--v6only") { Description = "Ask for an IPv6-only socket" };
        var json = JsonOption();
        var endpoint = EndpointArgument();
        var command = new Command("probe", "Ask the broker, as the calling user, whether an endpoint is granted") { socket, mode, v6only, json, endpoint };
        command.SetAction((result, cancellation) => new ProbeCommand(Console.Out, Console.Error).RunAsync(
            result.GetValue(socket), result.Choice<ProbeMode>(mode), result.GetValue(v6only), result.GetValue(endpoint)!, result.GetValue(json), cancellation));
        return command;
    }

    private static Command Status()
    {
        var socket = SocketOption();
        var json = JsonOption();
        var command = new Command("status", "Show the broker's version, policy files, counters per rule and last denials") { socket, json };
        command.SetAction((result, cancellation) => new StatusCommand(Console.Out, Console.Error).RunAsync(
            result.GetValue(socket), result.GetValue(json), cancellation));
        return command;
    }

    private static Command Demo()
    {
        var command = new Command("demo", "Show privport end to end (as root): a broker, an unprivileged web server on a privileged port, the audit log");
        command.SetAction((_, cancellation) => new DemoCommand(Console.Out, Console.Error).RunAsync(cancellation));
        return command;
    }

    private static Command DemoHttpServer()
    {
        var socket = SocketOption();
        var plainBind = new Option<bool>("--plain-bind") { Description = "Bind with TcpListener, as an unmodified .NET server does" };
        var endpoint = EndpointArgument();
        var command = new Command(DemoHttpServerCommand.Verb, "The demo's web server (started by 'privport demo')") { socket, plainBind, endpoint };
        command.Hidden = true;
        command.SetAction((result, cancellation) => new DemoHttpServerCommand(Console.Out, Console.Error).RunAsync(
            result.GetValue(socket), result.GetValue(plainBind), result.GetValue(endpoint)!, cancellation));
        return command;
    }

    /// <param name="verbNames">Every verb of this build, though only the invoked one is built: the doctor names no missing verb in a fix.</param>
    private static Command Doctor(IReadOnlyList<string> verbNames)
    {
        var endpoint = new Argument<string?>("endpoint")
        {
            Description = "The endpoint that failed, PROTOCOL/[ADDRESS:]PORT (tcp/80, udp/[::1]:53): bound live to reproduce the failure",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var user = new Option<string?>("--user") { Description = "The user the program runs as (name or uid); the bind is reproduced as that user", HelpName = "USER" };
        var exe = new Option<string?>("--exe") { Description = "The program's executable: its file capabilities, mount and loader traps are checked", HelpName = "PATH" };
        var explain = new Option<string?>("--explain") { Description = "A pasted error message or log excerpt to read (- reads stdin)", HelpName = "TEXT" };
        var json = JsonOption();
        var socket = SocketOption();
        var command = new Command("doctor", "Explain why a bind failed on this host, and what exactly fixes it") { endpoint, user, exe, explain, json, socket };
        command.SetAction((result, cancellation) => new DoctorCommand(Console.Out, Console.Error, () => Console.In).RunAsync(
            Privport.Doctor.DoctorEnvironment.Live(result.GetValue(socket), verbNames), result.GetValue(endpoint), result.GetValue(user), result.GetValue(exe),
            result.GetValue(explain), result.GetValue(json), cancellation));

        var reproduceEndpoint = EndpointArgument();
        var reproduceSocket = SocketOption();
        var reproduce = new Command(Privport.Doctor.Live.BindReproduction.Verb, "Bind the endpoint once and print the errno (run by the doctor as the target user)")
        {
            reproduceEndpoint, reproduceSocket,
        };
        reproduce.Hidden = true;
        reproduce.SetAction((result, cancellation) => new DoctorCommand(Console.Out, Console.Error, () => Console.In)
            .ReproduceBindAsync(result.GetValue(reproduceEndpoint)!, result.GetValue(reproduceSocket), cancellation));
        command.Subcommands.Add(reproduce);
        return command;
    }

    private static Command Completions(RootCommand root)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completions", "Print a shell completion script generated from these verbs and options") { shell };
        command.Hidden = true;
        command.SetAction(result =>
        {
            Console.Out.Write(result.GetValue(shell) == "zsh" ? CompletionScript.Zsh(root) : CompletionScript.Bash(root));
            return ExitCodes.Ok;
        });
        return command;
    }
}
