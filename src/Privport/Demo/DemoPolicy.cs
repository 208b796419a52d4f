using System.Globalization;

namespace Privport.Demo;

/// <summary>The policy the demo's broker enforces: one web server binary, as nobody, on one loopback port.</summary>
internal static class DemoPolicy
{
    public const uint Uid = 65534;
    public const uint Gid = 65534;

    public static string Render(string webServerExe, ushort port) => string.Create(CultureInfo.InvariantCulture, $"""
        # Only the demo web server binary, running as nobody, may bind tcp/{port} on loopback.
        [[allow]]
        name = "demo-web"
        users = ["{Uid}"]
        exe = ["{webServerExe}"]
        ports = ["tcp/{port}"]
        addresses = ["127.0.0.1"]

        """);
}
