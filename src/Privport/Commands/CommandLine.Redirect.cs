using System.CommandLine;
using Privport.Redirect;

namespace Privport.Commands;

internal static partial class CommandLine
{
    private static Command RedirectVerbs()
    {
        Command Change(string name, string description, Func<RedirectCommand, string, string, string?, int> run)
        {
            var port = new Argument<string>("port") { Description = "[tcp|udp/]PORT to redirect, e.g. tcp/80 (tcp when no protocol is given)" };
            var target = new Argument<string>("target-port") { Description = "The port the service listens on, e.g. 8080" };
            var address = new Option<string?>("--address") { Description = "Only packets to this local address (default: every local address)", HelpName = "A" };
            var command = new Command(name, description) { port, target, address };
            command.SetAction(result => run(new RedirectCommand(Console.Out, Console.Error, Nft.Find, NetworkAdministration.Permitted),
                result.GetValue(port)!, result.GetValue(target)!, result.GetValue(address)));
            return command;
        }

        var add = Change("add", "Redirect a port to another in PREROUTING and OUTPUT (idempotent)", (command, port, target, address) => command.Add(port, target, address));
        var remove = Change("remove", "Remove a redirect privport installed (and the table once empty)", (command, port, target, address) => command.Remove(port, target, address));
        var json = JsonOption();
        var list = new Command("list", "Show the redirects privport installed") { json };
        list.SetAction(result => new RedirectCommand(Console.Out, Console.Error, Nft.Find, NetworkAdministration.Permitted).List(result.GetValue(json)));
        return new Command("redirect", $"Kernel port redirects (nftables table {RedirectTable.Table}) for programs that cannot take a socket")
        {
            add, remove, list,
        };
    }
}
