using Privport.Redirect;

namespace Privport.Commands;

/// <summary>
/// <c>privport redirect add|remove|list</c>: kernel redirects from a privileged port to the port a service listens
/// on, in privport's own nftables table (<c>inet privport</c>), for the network namespace privport runs in.
/// </summary>
internal sealed class RedirectCommand
{
    private const string Verb = "privport redirect";

    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly Func<Nft?> _findNft;
    private readonly Func<bool> _mayAdministerNetwork;

    /// <param name="mayAdministerNetwork">Whether this process holds CAP_NET_ADMIN, which every nft call needs.</param>
    public RedirectCommand(TextWriter output, TextWriter error, Func<Nft?> findNft, Func<bool> mayAdministerNetwork)
    {
        _out = output;
        _error = error;
        _findNft = findNft;
        _mayAdministerNetwork = mayAdministerNetwork;
    }

    public int Add(string port, string target, string? address) => Change("add", port, target, address, (table, rule) =>
    {
        _out.WriteLine(table.Add(rule) ? $"added {rule} (PREROUTING and OUTPUT)" : $"{rule} is installed already");
    });

    public int Remove(string port, string target, string? address) => Change("remove", port, target, address, (table, rule) =>
    {
        _out.WriteLine(table.Remove(rule) ? $"removed {rule}" : $"{rule} is not installed; nothing to remove");
    });

    public int List(bool json)
    {
        if (Refusal("list") is { } refused)
        {
            return refused;
        }

        if (Table() is not { } table)
        {
            return ExitCodes.Unavailable;
        }

        try
        {
            var installed = table.List();
            if (json)
            {
                RedirectJsonWriter.Write(installed, _out);
                return ExitCodes.Ok;
            }

            var rules = installed.Select(found => found.Rule).Distinct().ToArray();
            if (rules.Length == 0)
            {
                _out.WriteLine($"no redirects installed (table {RedirectTable.Table} is absent)");
            }

            foreach (var rule in rules)
            {
                var chains = installed.Where(found => found.Rule == rule).Select(found => found.Chain.ToUpperInvariant());
                _out.WriteLine($"{rule}\t({string.Join(", ", chains)})");
            }

            return ExitCodes.Ok;
        }
        catch (RedirectException e)
        {
            _error.WriteLine($"{Verb} list: {e.Message}");
            return ExitCodes.Software;
        }
    }

    private int Change(string verb, string port, string target, string? address, Action<RedirectTable, RedirectRule> change)
    {
        if (!RedirectRule.TryParse(port, target, address, out var rule, out string? problem))
        {
            _error.WriteLine($"{Verb} {verb}: {problem}");
            return ExitCodes.Usage;
        }

        if (Refusal(verb) is { } refused)
        {
            return refused;
        }

        if (Table() is not { } table)
        {
            return ExitCodes.Unavailable;
        }

        try
        {
            change(table, rule);
            return ExitCodes.Ok;
        }
        catch (RedirectException e)
        {
            _error.WriteLine($"{Verb} {verb}: {e.Message}");
            return ExitCodes.Software;
        }
    }

    private int? Refusal(string verb)
    {
        if (_mayAdministerNetwork())
        {
            return null;
        }

        _error.WriteLine($"{Verb} {verb}: nftables needs CAP_NET_ADMIN, which this process lacks; run it as root (sudo {Verb} {verb} ...), "
            + "under 'ip netns exec NS' for another network namespace");
        return ExitCodes.NoPermission;
    }

    private RedirectTable? Table()
    {
        if (_findNft() is { } nft)
        {
            return new RedirectTable(nft);
        }

        _error.WriteLine($"{Verb}: nft (nftables) is not installed; install it (apt-get install nftables, dnf install nftables) and try again");
        return null;
    }
}
