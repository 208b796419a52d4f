using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Privport.Broker;
using Privport.Client;
using Privport.Protocol;
using Privport.Policy;
using Privport.Tests.Packaging;

namespace Privport.Tests.Broker;

/// <summary>Ops have one table of names, the C header's, and the audit log writes those names.</summary>
public sealed partial class BrokerOpNameTests
{
    [Fact]
    public void Every_op_is_named_as_the_C_header_names_it()
    {
        string header = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "native", "include", "privport_protocol.h"));
        var declared = HeaderOp().Matches(header).ToDictionary(match => ushort.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), match => match.Groups[1].Value);

        Assert.Equal(declared.Keys.Order(), Enum.GetValues<BrokerOp>().Select(op => (ushort)op).Order());
        foreach (var op in Enum.GetValues<BrokerOp>())
        {
            Assert.Equal(declared[(ushort)op], op.Name());
        }
    }

    [Fact]
    public void The_audit_log_writes_each_op_by_its_name()
    {
        foreach (var op in Enum.GetValues<BrokerOp>())
        {
            using var console = new MemoryStream();
            using (var audit = new AuditLog(console, null))
            {
                audit.Write(new AuditRecord(
                    DateTimeOffset.UnixEpoch, op, "deny", null, "no rule allows it", 13,
                    new PeerIdentity(65534, 65534, [], 4242, "/usr/bin/true"), new Endpoint(PortProtocol.Tcp, IPAddress.Loopback, 80)));
            }

            using var line = JsonDocument.Parse(console.ToArray());
            Assert.Equal(op.Name(), line.RootElement.GetProperty("op").GetString());
        }
    }

    [GeneratedRegex(@"PRIVPORT_OP_([A-Z_]+) = ([0-9]+),")]
    private static partial Regex HeaderOp();
}
