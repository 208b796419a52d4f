using System.CommandLine;
using Privport.Forwarding;

namespace Privport.Commands;

internal static partial class CommandLine
{
    private static Command Forward()
    {
        var pairs = new Argument<string[]>("listen-target")
        {
            Description = "Pairs of LISTEN TARGET, e.g. tcp/80 127.0.0.1:8080 udp/53 127.0.0.1:5353",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var config = new Option<string?>("--config") { Description = "Read the forwards and settings from a TOML file (instead of LISTEN TARGET pairs)", HelpName = "FILE" };
        var user = new Option<string?>("--user")
        {
            Description = "As root, required: the user (name or uid) every thread runs as once the ports are bound; root keeps root on purpose",
            HelpName = "USER",
        };
        var group = new Option<string?>("--group") { Description = "As root: the primary group (name or gid) instead of the user's own", HelpName = "GROUP" };
        var proxy = ChoiceOption<ProxyProtocolVersion>("--proxy-protocol", "Send the backend a PROXY protocol header (v1 or v2) with the client's address (TCP)",
            excluded: ProxyProtocolVersion.None);
        var maxConns = new Option<int?>("--max-conns")
        {
            Description = "Open connections and UDP flows at most; more are reset (default: what the open-file limit holds at 6 descriptors each; 0: no limit)",
            HelpName = "N",
        };
        var idle = new Option<string?>("--idle-timeout")
        {
            Description = "Reset a connection or flow idle this long: seconds, or 250ms, 30s, 5m, 1h (default: TCP 5m, UDP 60s; 0: TCP never)",
            HelpName = "DURATION",
        };
        var drain = new Option<string?>("--drain-timeout")
        {
            Description = "On SIGTERM, wait this long for open connections to finish: seconds, or 30s, 2m (default 30s)",
            HelpName = "DURATION",
        };
        var threads = new Option<int?>("--threads") { Description = "Event-loop threads (default: one per CPU)", HelpName = "N" };
        var scheduling = ChoiceOption<LoopScheduling>("--scheduling",
            "Event loops' CPU scheduling: batch (default: no preempting the programs that wake them, fewer switches under load) or normal");
        var socket = SocketOption();
        var metrics = MetricsOption();
        var command = new Command("forward", "Hold privileged ports and forward them to backends on other ports (TCP via splice, UDP flows), for programs that cannot take a socket")
        {
            pairs, config, user, group, proxy, maxConns, idle, drain, threads, scheduling, socket, metrics,
        };
        SetServiceAction(command, result => new ForwardCommand(ServiceLogging.StandardError()).RunAsync(new ForwardRequest(
            result.GetValue(pairs) ?? [], result.GetValue(config), result.GetValue(user), result.GetValue(group), result.GetValue(proxy),
            result.GetValue(maxConns), result.GetValue(idle), result.GetValue(drain), result.GetValue(threads), result.GetValue(socket),
            result.GetValue(metrics), result.GetValue(scheduling))));
        return command;
    }
}
