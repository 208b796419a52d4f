using System.Collections.Immutable;
using System.Net;
using System.Text;
using Privport.Client;
using Privport.Policy;
using Privport.Config;

namespace Privport.Fuzz;

/// <summary>
/// A policy file's bytes, read as <see cref="PolicyLoader"/> reads each file (UTF-8, byte order marks honoured) and
/// parsed by the same <see cref="PolicyFileParser"/>. A bad policy must fail as <see cref="PolicyLoadException"/>;
/// a good one is then decided on and printed, as the broker and <c>policy check</c> do.
/// </summary>
internal static class PolicyTarget
{
    private const string File = "/etc/privport/policy.toml";

    private static readonly PeerIdentity[] Peers =
    [
        new(FuzzAccounts.WwwData, FuzzAccounts.WwwData, [FuzzAccounts.WebGroup], 4242, "/usr/sbin/nginx"),
        new(FuzzAccounts.Nobody, FuzzAccounts.Nobody, [], 4243, null),
        new(0, 0, [], 1, "/usr/bin/python3"),
    ];

    private static readonly Endpoint[] Endpoints =
    [
        new(PortProtocol.Tcp, IPAddress.Any, 80),
        new(PortProtocol.Tcp, IPAddress.IPv6Any, 443),
        new(PortProtocol.Udp, IPAddress.Loopback, 53),
        new(PortProtocol.Tcp, IPAddress.Parse("::ffff:127.0.0.1"), 25),
        new(PortProtocol.Udp, IPAddress.Parse("fe80::1%1"), 1023),
    ];

    public static void Run(ReadOnlySpan<byte> input)
    {
        PortPolicy policy;
        try
        {
            policy = Load(input);
        }
        catch (PolicyLoadException e)
        {
            if (e.Errors.Count == 0)
            {
                throw new FuzzFindingException("a policy was refused without an error saying why");
            }

            return;
        }

        foreach (var peer in Peers)
        {
            foreach (var endpoint in Endpoints)
            {
                policy.Decide(peer, endpoint, ipv6Only: false);
                policy.Decide(peer, endpoint, ipv6Only: true);
            }
        }

        PolicyTextWriter.Write(policy, TextWriter.Null);
        PolicyJsonWriter.Write(policy, TextWriter.Null);
    }

    /// <summary>PolicyLoader.Load for one file whose text is already read.</summary>
    private static PortPolicy Load(ReadOnlySpan<byte> input)
    {
        using var reader = new StreamReader(new MemoryStream(input.ToArray()), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        string text = reader.ReadToEnd();
        var accounts = new FuzzAccounts();
        var diagnostics = new ConfigDiagnostics();
        var rules = ImmutableArray.CreateBuilder<PolicyRule>();
        new PolicyFileParser(File, accounts, diagnostics, new Dictionary<string, string>(StringComparer.Ordinal)).Parse(text, rules);
        if (diagnostics.ErrorCount > 0)
        {
            throw new PolicyLoadException(diagnostics.Errors);
        }

        return new PortPolicy(rules.ToImmutable(), [File], diagnostics.Warnings);
    }
}
