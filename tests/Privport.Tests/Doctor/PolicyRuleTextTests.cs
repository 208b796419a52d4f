using System.Net;
using Privport.Client;
using Privport.Doctor.Causes;
using Privport.Policy;
using Privport.Tests.Policy;

namespace Privport.Tests.Doctor;

public sealed class PolicyRuleTextTests
{
    [Theory]
    [InlineData("tcp/0.0.0.0:80", null, false)]
    [InlineData("tcp/127.0.0.1:443", "nginx", true)]
    [InlineData("udp/[::1]:53", null, true)]
    [InlineData("tcp/[::]:80", "java", true)]
    public void The_printed_rule_loads_and_grants_exactly_the_failed_request(string endpointText, string? program, bool withAddress)
    {
        var accounts = new FakeAccountDirectory();
        var endpoint = Endpoint.Parse(endpointText);
        using var directory = new TempPolicyDirectory();
        string? exe = program is null ? null : directory.Write(program, "#!/bin/false\n");
        string rule = PolicyRuleText.For("www-data", exe, endpoint.Protocol, withAddress ? endpoint.Address : null, endpoint.Port);
        string file = directory.Write("policy.toml", rule);

        var policy = PolicyLoader.Load(file, accounts);
        var peer = PeerIdentity.Running(FakeAccountDirectory.WwwData, FakeAccountDirectory.WwwData, [], exe);

        var decision = policy.Decide(peer, endpoint, ipv6Only: false);
        Assert.True(decision.Allowed, decision.Reason);
        Assert.False(policy.Decide(peer with { Uid = FakeAccountDirectory.Alice }, endpoint, false).Allowed);
        Assert.False(policy.Decide(peer, endpoint with { Port = (ushort)(endpoint.Port + 1) }, false).Allowed);
        if (exe is not null)
        {
            string impostor = directory.Write("impostor", "#!/bin/false\n");
            Assert.False(policy.Decide(PeerIdentity.Running(peer.Uid, peer.Gid, [], impostor), endpoint, false).Allowed);
        }

        if (withAddress && !endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            Assert.False(policy.Decide(peer, endpoint with { Address = IPAddress.Any }, false).Allowed);
        }
    }

    [Theory]
    [InlineData("/opt/we\"ird/server")]
    [InlineData("/opt/back\\slash\\\"/server")]
    [InlineData("/opt/new\nline/ser\rver\t")]
    [InlineData("/opt/\u0001soh\u001f\u007f/\u202eexe.sh")]
    [InlineData("/opt/]]\n[[allow]]\nusers = [\"*\"]\n#/\U0001F600")]
    public void The_printed_rule_names_the_very_path_and_user_given_whatever_they_hold(string executable)
    {
        const string user = "we\"b\\user\u001f\n[[allow]]";

        var rule = PolicyText.Single(PolicyRuleText.For(user, executable, PortProtocol.Tcp, IPAddress.Loopback, 80), new AnyAccountDirectory());

        Assert.Equal(executable, Assert.Single(rule.Executables).Written);
        Assert.Equal(user, Assert.Single(rule.Users).Name);
        Assert.Equal("tcp/80", Assert.Single(rule.Ports).ToString());
        Assert.Equal("127.0.0.1", Assert.Single(rule.Addresses).ToString());
    }
}
