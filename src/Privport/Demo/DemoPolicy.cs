using System.Globalization;
using Privport.Policy;

namespace Privport.Demo;

/// <summary>The policy the demo's broker enforces: one web server binary, as nobody, on one loopback port.</summary>
internal static class DemoPolicy
{
    public const uint Uid = 65534;
    public const uint Gid = 65534;

    public static string Render(string webServerExe, ushort port)
    {
        string ports = string.Create(CultureInfo.InvariantCulture, $"tcp/{port}");
        return AllowRuleWriter.Write(new AllowRuleFields
        {
            Comments = [$"Only the demo web server binary, running as nobody, may bind {ports} on loopback."],
            Name = "demo-web",
            Users = [Uid.ToString(CultureInfo.InvariantCulture)],
            Exe = [webServerExe],
            Ports = [ports],
            Addresses = ["127.0.0.1"],
        });
    }
}
