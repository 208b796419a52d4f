using System.Net;
using CsCheck;
using Privport.Client;
using Privport.Interop;
using Privport.Policy;

namespace Privport.Tests.Policy;

/// <summary>
/// For random policies and random requests, <see cref="PortPolicy.Decide"/> grants exactly what
/// <see cref="ReferencePolicy"/> (docs/policy.md, written out plainly) grants, and names the same rule.
/// </summary>
public sealed class PortPolicyModelTests
{
    // Real files, since exe rules compare the file a path leads to: two programs, one more that no rule names, and a
    // symbolic link that leads to nginx under another name.
    private static readonly string Programs = ModelPrograms.Directory;

    private static readonly Gen<ModelAccount> User = Gen.OneOf(
        new ModelAccount("\"www-data\"", FakeAccountDirectory.WwwData),
        new ModelAccount("\"alice\"", FakeAccountDirectory.Alice),
        new ModelAccount("\"nobody\"", FakeAccountDirectory.Nobody),
        new ModelAccount("\"root\"", FakeAccountDirectory.Root),
        new ModelAccount("1001", 1001),
        new ModelAccount("\"4000\"", 4000),
        new ModelAccount("\"*\"", null));

    private static readonly Gen<ModelAccount> Group = Gen.OneOf(
        new ModelAccount("\"web\"", FakeAccountDirectory.WebGroup),
        new ModelAccount("\"dns\"", FakeAccountDirectory.DnsGroup),
        new ModelAccount("33", 33),
        new ModelAccount("\"1001\"", 1001),
        new ModelAccount("\"nogroup\"", 65534));

    private static readonly Gen<string> Exe = Gen.OneOf($"{Programs}/nginx", $"{Programs}/python3");

    private static readonly Gen<PortProtocol> Protocol = Gen.OneOf(PortProtocol.Tcp, PortProtocol.Udp);

    // A narrow port space, so rules and requests overlap often.
    private static readonly Gen<ModelPortRange> Ports = Gen.Select(Protocol, Gen.UShort[20, 30], Gen.UShort[0, 3],
        (protocol, first, width) => new ModelPortRange(protocol, first, (ushort)(first + width)));

    // The wildcards four times over: a dual-stack grant needs a rule for each.
    private static readonly Gen<string> AddressEntry = Gen.OneOf(
        "0.0.0.0", "::", "0.0.0.0", "::", "0.0.0.0", "::", "0.0.0.0", "::", "127.0.0.1", "127.0.0.0/8", "0.0.0.0/0", "::/0", "::1", "10.0.0.0/8", "fd00::/8", "192.0.2.10",
        "fe80::1", "fe80::1%1", "::ffff:127.0.0.1", "::ffff:127.0.0.0/104", "::ffff:0.0.0.0", "127.0.0.1/32");

    private static readonly Gen<IPAddress> RequestAddress = Gen.OneOf(
        "0.0.0.0", "::", "127.0.0.1", "127.0.0.53", "10.1.2.3", "192.0.2.10", "::1", "fd00::5", "fe80::1", "fe80::1%1",
        "fe80::1%2", "::ffff:127.0.0.1", "::ffff:0.0.0.0", "::%1", "2001:db8::1").Select(IPAddress.Parse);

    private static readonly Gen<ModelRule[]> Rules = Gen.Select(
        Optional(User.Array[1, 3]), Optional(Group.Array[1, 2]), Optional(Exe.Array[1, 2]), Ports.Array[1, 3], Optional(AddressEntry.Array[1, 3]),
        (users, groups, exe, ports, addresses) => (users, groups, exe, ports, addresses))
        .Array[0, 6]
        .Select(rules => rules.Select((r, i) =>
            new ModelRule($"r{i}", r.users ?? (r.groups is null ? [new ModelAccount("\"*\"", null)] : null), r.groups, r.exe, r.ports, r.addresses)).ToArray());

    private static readonly Gen<ModelRequest> Request = Gen.Select(
        Gen.OneOf(FakeAccountDirectory.Root, FakeAccountDirectory.WwwData, FakeAccountDirectory.Alice, FakeAccountDirectory.Nobody, 4000u),
        Gen.OneOf(0u, 33u, 1001u, FakeAccountDirectory.WebGroup, FakeAccountDirectory.DnsGroup, 65534u),
        Gen.OneOf(FakeAccountDirectory.WebGroup, FakeAccountDirectory.DnsGroup, 33u).Array[0, 2],
        Gen.OneOf<string?>(null, $"{Programs}/nginx", $"{Programs}/python3", $"{Programs}/other", $"{Programs}/nginx-alias"),
        Protocol,
        RequestAddress,
        Gen.UShort[19, 31],
        Gen.Bool,
        (uid, gid, groups, exe, protocol, address, port, v6only) => new ModelRequest(uid, gid, groups, exe, protocol, address, port, v6only));

    /// <summary>An address inside each prefix entry, so requests drawn from a rule can land inside its prefixes.</summary>
    private static readonly Dictionary<string, string> InsidePrefix = new(StringComparer.Ordinal)
    {
        ["127.0.0.0/8"] = "127.0.0.53",
        ["0.0.0.0/0"] = "10.1.2.3",
        ["::/0"] = "2001:db8::1",
        ["10.0.0.0/8"] = "10.1.2.3",
        ["fd00::/8"] = "fd00::5",
        ["::ffff:127.0.0.0/104"] = "::ffff:127.0.0.1",
        ["127.0.0.1/32"] = "127.0.0.1",
    };

    private static readonly Gen<bool> Keep = Gen.Double.Select(d => d < 0.85);

    [Fact]
    public void Decide_grants_exactly_what_the_documented_rules_grant_and_names_the_same_rule()
    {
        int allowed = 0, dualStack = 0, pairs = 0, denied = 0;
        Rules.SelectMany(rules => Gen.Select(Gen.Const(rules), (rules.Length == 0 ? Request : Gen.Frequency((1, Request), (3, RequestNear(rules)))).Array[20, 20])).Sample(
            sample =>
            {
                var (rules, requests) = sample;
                var policy = TestPolicies.Load(string.Join('\n', rules.Select(rule => rule.ToToml())));
                foreach (var request in requests)
                {
                    string? expected = ReferencePolicy.Decide(rules, request);
                    var peer = new PeerIdentity(request.Uid, request.Gid, request.Groups, 4242, request.Exe, request.Exe is null ? null : FileIdentity.TryRead(request.Exe));
                    var decision = policy.Decide(peer, new Endpoint(request.Protocol, request.Address, request.Port), request.V6Only);
                    Assert.True(decision.Allowed == (expected is not null) && decision.RuleId == expected,
                        $"{request}: the documented rules give {expected ?? "deny"}, Decide gives {(decision.Allowed ? decision.RuleId : "deny")} ({decision.Reason})");
                    _ = expected is null ? denied++ : allowed++;
                    _ = expected is not null && !request.V6Only && IPAddress.IPv6Any.Equals(request.Address) ? dualStack++ : 0;
                    _ = expected?.Contains('+', StringComparison.Ordinal) == true ? pairs++ : 0;
                }
            },
            iter: 600,
            threads: 1,
            print: sample => string.Join('\n', sample.Item1.Select(rule => rule.ToToml())));

        // The generators must reach every outcome, or the property says little.
        Assert.True(allowed > 1000 && dualStack > 100 && pairs > 0 && denied > 1000,
            $"{allowed} allowed ({dualStack} dual-stack [::], {pairs} of them by two rules), {denied} denied");
    }

    /// <summary>
    /// A request drawn from one of the rules (its users, groups, programs, ports and addresses), each aspect replaced by a
    /// random one now and then: near misses and grants, which purely random requests seldom reach.
    /// </summary>
    private static Gen<ModelRequest> RequestNear(ModelRule[] rules) => Gen.Select(
        Gen.Int[0, rules.Length - 1], Request, Keep.Array[5, 5], Gen.Int[0, 1 << 20], Gen.Bool,
        (index, random, keep, pick, dualStack) =>
        {
            var rule = rules[index];
            T From<T>(IReadOnlyList<T>? values, T otherwise, int aspect) =>
                keep[aspect] && values is { Count: > 0 } ? values[pick % values.Count] : otherwise;

            var range = rule.Ports[pick % rule.Ports.Count];
            var address = rule.Addresses is null
                ? (dualStack ? IPAddress.IPv6Any : random.Address)
                : IPAddress.Parse(From(rule.Addresses, random.Address.ToString(), 4) is var entry && InsidePrefix.TryGetValue(entry, out string? inside) ? inside : entry);
            return random with
            {
                Uid = From(rule.Users, null, 0)?.Id ?? random.Uid,
                Gid = From(rule.Groups, null, 1)?.Id ?? random.Gid,
                Exe = From(rule.Exe, random.Exe, 2),
                Protocol = keep[3] ? range.Protocol : random.Protocol,
                Port = keep[3] ? (ushort)(range.First + (pick % (range.Last - range.First + 1))) : random.Port,
                Address = address,
            };
        });

    /// <summary>A key the rule leaves out a third of the time.</summary>
    private static Gen<T?> Optional<T>(Gen<T> gen)
        where T : class => gen.Null(1.0 / 3);
}
