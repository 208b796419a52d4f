using System.Net;
using System.Text;
using Privport.Client;

namespace Privport.Doctor.Causes;

/// <summary>
/// A privport policy rule, as TOML ready to paste into /etc/privport/policy.d/, allowing one user (and one program,
/// when known) exactly the endpoint that failed. A dual-stack <c>::</c> also takes <c>0.0.0.0</c>, so both are listed.
/// </summary>
internal static class PolicyRuleText
{
    public static string Name(string user, PortProtocol protocol, int port)
    {
        var name = new StringBuilder("doctor-");
        foreach (char c in $"{user}-{(protocol == PortProtocol.Udp ? "udp" : "tcp")}-{port}")
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return name.Length > 64 ? name.ToString(0, 64) : name.ToString();
    }

    public static string For(string user, string? executable, PortProtocol protocol, IPAddress? address, int port)
    {
        ArgumentNullException.ThrowIfNull(user);
        string proto = protocol == PortProtocol.Udp ? "udp" : "tcp";
        var text = new StringBuilder();
        text.Append("[[allow]]\n");
        text.Append($"name = \"{Name(user, protocol, port)}\"\n");
        text.Append($"users = [\"{Escape(user)}\"]\n");
        if (executable is not null)
        {
            text.Append($"exe = [\"{Escape(executable)}\"]\n");
        }

        text.Append($"ports = [\"{proto}/{port}\"]\n");
        if (address is not null)
        {
            string addresses = address.Equals(IPAddress.IPv6Any) ? "\"::\", \"0.0.0.0\"" : $"\"{address}\"";
            text.Append($"addresses = [{addresses}]\n");
        }

        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
