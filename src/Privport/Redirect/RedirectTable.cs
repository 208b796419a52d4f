using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Privport.Redirect;

/// <summary>
/// privport's own nftables table, <c>inet privport</c>, with a nat chain on PREROUTING (connections from other hosts)
/// and one on OUTPUT (connections from this host, which never pass PREROUTING). Each redirect is one rule in each
/// chain, found again by its comment; adding twice changes nothing, and removing the last rule removes the table.
/// </summary>
internal sealed partial class RedirectTable(Nft nft)
{
    public const string Table = "inet privport";

    private static readonly string[] Chains = ["prerouting", "output"];

    public IReadOnlyList<InstalledRedirect> List()
    {
        var result = nft.Run(null, "-a", "list", "table", "inet", "privport");
        if (result.ExitCode != 0)
        {
            // No table yet: nothing installed.
            return result.Stderr.Contains("No such file or directory", StringComparison.Ordinal) ? [] : throw Failure("list", result);
        }

        var found = new List<InstalledRedirect>();
        string? chain = null;
        foreach (string line in result.Stdout.Split('\n'))
        {
            if (ChainLine().Match(line) is { Success: true } chainMatch)
            {
                chain = chainMatch.Groups[1].Value;
            }
            else if (chain is not null && RuleLine().Match(line) is { Success: true } rule
                && RedirectRule.FromComment(rule.Groups[1].Value) is { } parsed)
            {
                found.Add(new InstalledRedirect(chain, long.Parse(rule.Groups[2].Value, CultureInfo.InvariantCulture), parsed));
            }
        }

        return found;
    }

    /// <summary>Installs <paramref name="rule"/> in both chains; false when it was already there.</summary>
    public bool Add(RedirectRule rule)
    {
        var installed = List();
        foreach (var other in installed)
        {
            if (other.Rule != rule && other.Rule.Protocol == rule.Protocol && other.Rule.Port == rule.Port && Equals(other.Rule.Address, rule.Address))
            {
                throw new RedirectException($"{other.Rule} is installed already; remove it first (privport redirect remove "
                    + $"{Client.Endpoint.ProtocolName(rule.Protocol)}/{rule.Port} {other.Rule.TargetPort}{(rule.Address is null ? "" : $" --address {rule.Address}")})");
            }
        }

        var missing = Chains.Where(chain => !installed.Any(found => found.Chain == chain && found.Rule == rule)).ToArray();
        if (missing.Length == 0)
        {
            return false;
        }

        var script = new StringBuilder();
        script.Append("add table inet privport\n");
        script.Append("add chain inet privport prerouting { type nat hook prerouting priority dstnat; policy accept; }\n");
        script.Append("add chain inet privport output { type nat hook output priority -100; policy accept; }\n");
        foreach (string chain in missing)
        {
            script.Append(CultureInfo.InvariantCulture, $"add rule inet privport {chain} {rule.Expression} comment \"{rule.Comment}\"\n");
        }

        Apply("add", script.ToString());
        return true;
    }

    /// <summary>Removes <paramref name="rule"/> from both chains, and the table once it holds nothing; false when it was not there.</summary>
    public bool Remove(RedirectRule rule)
    {
        var installed = List();
        var matching = installed.Where(found => found.Rule == rule).ToArray();
        if (matching.Length == 0)
        {
            return false;
        }

        var script = new StringBuilder();
        foreach (var found in matching)
        {
            script.Append(CultureInfo.InvariantCulture, $"delete rule inet privport {found.Chain} handle {found.Handle}\n");
        }

        if (matching.Length == installed.Count)
        {
            script.Append("delete table inet privport\n");
        }

        Apply("remove", script.ToString());
        return true;
    }

    private void Apply(string verb, string script)
    {
        var result = nft.Run(script);
        if (result.ExitCode != 0)
        {
            throw Failure(verb, result);
        }
    }

    private RedirectException Failure(string verb, NftResult result)
    {
        string said = result.Stderr.Trim();
        string advice = said.Contains("Operation not permitted", StringComparison.Ordinal)
            ? "run privport redirect as root (it changes the firewall)"
            : "see nft's message above; the kernel may lack nftables nat support (modules nft_nat, nft_redir, nft_fib_inet)";
        return new RedirectException($"{nft.Path} failed to {verb} in table {Table}:\n{said}\n{advice}");
    }

    [GeneratedRegex(@"^\s*chain (\w+) \{")]
    private static partial Regex ChainLine();

    [GeneratedRegex("comment \"([^\"]*)\" # handle (\\d+)\\s*$")]
    private static partial Regex RuleLine();
}
